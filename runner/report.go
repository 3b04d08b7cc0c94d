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
}

func (l *LogReporter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.W, time.Now().Format("15:04:05")+" "+format+"\n", args...)
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

func (l *LogReporter) Progress(results.Attempt, int, int) {}

func (l *LogReporter) Finished(t *sweeps.Trial, a results.Attempt, f results.Finish, retry bool) {
	l.mu.Lock()
	if f.Status == results.AttemptSucceeded || (f.Status == results.AttemptFailed && !retry) {
		l.done++
	}
	n := l.done
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
	bars  map[int64]*mpb.Bar
}

// NewBarsReporter draws on w, which must be a terminal.
func NewBarsReporter(w io.Writer) *BarsReporter {
	return &BarsReporter{p: mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(200*time.Millisecond)), bars: map[int64]*mpb.Bar{}}
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
	bar := b.p.AddBar(0, mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.CountersNoUnit("step %d/%d"), decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO)))
	b.mu.Lock()
	b.bars[a.ID] = bar
	b.mu.Unlock()
}

func (b *BarsReporter) Progress(a results.Attempt, step, total int) {
	b.mu.Lock()
	bar := b.bars[a.ID]
	b.mu.Unlock()
	if bar != nil && total > 0 {
		bar.SetTotal(int64(total), false)
		bar.SetCurrent(int64(min(step, total)))
	}
}

func (b *BarsReporter) Finished(t *sweeps.Trial, a results.Attempt, f results.Finish, retry bool) {
	b.mu.Lock()
	bar := b.bars[a.ID]
	delete(b.bars, a.ID)
	b.mu.Unlock()
	if bar != nil {
		bar.Abort(true)
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
