package runner

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// label names a trial for people: "syn-squad tl6 r8 s1 lr=0.001".
func label(t *sweeps.Trial) string {
	if t == nil {
		return "?"
	}
	var parts []string
	if t.Task != nil {
		parts = append(parts, t.Task.Name)
	}
	if t.Method != nil {
		parts = append(parts, t.Method.Name)
	}
	if t.Rank > 0 {
		parts = append(parts, fmt.Sprintf("r%d", t.Rank))
	}
	parts = append(parts, fmt.Sprintf("s%d", t.Seed))
	return t.ID + " (" + strings.Join(parts, " ") + ")"
}

func outcome(f results.Finish, retry bool) string {
	switch f.Status {
	case results.AttemptSucceeded:
		return "succeeded"
	case results.AttemptCancelled:
		return "cancelled"
	case results.AttemptPruned:
		return "pruned: " + f.Error
	}
	s := fmt.Sprintf("failed [%s] %s", f.ErrorKind, f.Error)
	if retry {
		s += "; will retry"
	}
	return s
}

// LogReporter writes one plain line per event, for logs and pipes.
type LogReporter struct {
	mu    sync.Mutex
	W     io.Writer
	total int
	done  int
	// phases holds, per attempt in a phase, the quarter of it last
	// printed, so a long phase logs a few lines rather than none or many.
	phases map[int64]int
}

func (l *LogReporter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The date too: a log outlives the day it was written.
	fmt.Fprintf(l.W, time.Now().Format("2006-01-02 15:04:05")+" "+format+"\n", args...)
}

func (l *LogReporter) Planned(total, toRun int, orphans []string) {
	l.total = toRun
	l.printf("%d trials in the sweep, %d to run", total, toRun)
	if len(orphans) > 0 {
		l.printf("%d trials in the database are no longer in the file (kept): %s", len(orphans), strings.Join(orphans, ", "))
	}
}

func (l *LogReporter) Started(t *sweeps.Trial, a results.Attempt, slot string) {
	l.printf("start %s attempt %d on %s", label(t), a.Number, slot)
}

// Progress logs a phase before training (pretraining a base model) when
// it starts and at each quarter; training steps are not logged.
func (l *LogReporter) Progress(a results.Attempt, p Progress) {
	if p.Phase == "" || p.Total <= 0 {
		return
	}
	quarter := 4 * min(p.Step, p.Total) / p.Total
	l.mu.Lock()
	if l.phases == nil {
		l.phases = map[int64]int{}
	}
	last, seen := l.phases[a.ID]
	print := !seen || quarter > last
	l.phases[a.ID] = quarter
	l.mu.Unlock()
	switch {
	case print && p.Total > 1:
		l.printf("%s attempt %d: %s, step %d of %d", a.Trial, a.Number, p.Phase, p.Step, p.Total)
	case print:
		l.printf("%s attempt %d: %s", a.Trial, a.Number, p.Phase)
	}
}

func (l *LogReporter) Finished(t *sweeps.Trial, a results.Attempt, f results.Finish, retry bool) {
	l.mu.Lock()
	if f.Status == results.AttemptSucceeded || (f.Status == results.AttemptFailed && !retry) {
		l.done++
	}
	n := l.done
	delete(l.phases, a.ID)
	l.mu.Unlock()
	l.printf("[%d/%d] %s attempt %d %s", n, l.total, label(t), a.Number, outcome(f, retry))
}

func (l *LogReporter) Note(msg string) { l.printf("%s", msg) }

// BarsReporter draws a bar for the sweep and one per running attempt, on
// a terminal.
type BarsReporter struct {
	p     *mpb.Progress
	mu    sync.Mutex
	total *mpb.Bar
	bars  map[int64]*attemptBar
}

// attemptBar is one running attempt's bar and what it counts: "step"
// for training, or the phase a progress event names.
type attemptBar struct {
	bar  *mpb.Bar
	mu   sync.Mutex
	unit string
}

func (ab *attemptBar) counter(s decor.Statistics) string {
	ab.mu.Lock()
	defer ab.mu.Unlock()
	return fmt.Sprintf("%s %d/%d", ab.unit, s.Current, s.Total)
}

// NewBarsReporter draws on w, which must be a terminal.
func NewBarsReporter(w io.Writer) *BarsReporter {
	return &BarsReporter{p: mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(200*time.Millisecond)), bars: map[int64]*attemptBar{}}
}

func (b *BarsReporter) Planned(total, toRun int, orphans []string) {
	fmt.Fprintf(b.p, "%d trials in the sweep, %d to run\n", total, toRun)
	if len(orphans) > 0 {
		fmt.Fprintf(b.p, "%d trials in the database are no longer in the file (kept)\n", len(orphans))
	}
	b.total = b.p.AddBar(int64(toRun), mpb.BarPriority(-1),
		mpb.PrependDecorators(decor.Name("trials "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
}

func (b *BarsReporter) Started(t *sweeps.Trial, a results.Attempt, slot string) {
	name := fmt.Sprintf("%-8s %s #%d", slot, label(t), a.Number)
	ab := &attemptBar{unit: "step"}
	ab.bar = b.p.AddBar(0, mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(ab.counter), decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO)))
	b.mu.Lock()
	b.bars[a.ID] = ab
	b.mu.Unlock()
}

func (b *BarsReporter) Progress(a results.Attempt, p Progress) {
	b.mu.Lock()
	ab := b.bars[a.ID]
	b.mu.Unlock()
	if ab == nil || p.Total <= 0 {
		return
	}
	ab.mu.Lock()
	ab.unit = "step"
	if p.Phase != "" {
		ab.unit = p.Phase
	}
	ab.mu.Unlock()
	ab.bar.SetTotal(int64(p.Total), false)
	ab.bar.SetCurrent(int64(min(p.Step, p.Total)))
}

func (b *BarsReporter) Finished(t *sweeps.Trial, a results.Attempt, f results.Finish, retry bool) {
	b.mu.Lock()
	ab := b.bars[a.ID]
	delete(b.bars, a.ID)
	b.mu.Unlock()
	if ab != nil {
		ab.bar.Abort(true)
	}
	if f.Status != results.AttemptSucceeded {
		fmt.Fprintf(b.p, "%s attempt %d %s\n", label(t), a.Number, outcome(f, retry))
	}
	if b.total != nil && (f.Status == results.AttemptSucceeded || (f.Status == results.AttemptFailed && !retry)) {
		b.total.Increment()
	}
}

func (b *BarsReporter) Note(msg string) { fmt.Fprintln(b.p, msg) }

// Close stops drawing.
func (b *BarsReporter) Close() {
	if b.total != nil && !b.total.Completed() {
		b.total.Abort(false)
	}
	b.p.Shutdown()
}
