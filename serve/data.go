package serve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// cellView is one (task, method, rank) of the matrix, as the page draws
// it and as the live stream sends it.
type cellView struct {
	Key   string `json:"k"` // a hash of task, method and rank: unique, markup-free, never shown
	State string `json:"s"` // pending, running, done, partial, failed, pruned
	Text  string `json:"t"`
	Task  string `json:"-"`
	Meth  string `json:"-"`
	Rank  int    `json:"-"`
}

// cellKey names a cell in the page and the stream. Names may hold any
// character, and html/template rewrites some in attributes (NUL), so the
// key is a hash of them.
func cellKey(task, method string, rank int) string {
	h := sha256.Sum256([]byte(task + "\x00" + method + "\x00" + strconv.Itoa(rank)))
	return hex.EncodeToString(h[:8])
}

// cellState names a cell's colour: a cell with a trial running is
// running; one whose trials all succeeded or were pruned (by the sweep's
// early-stopping rule), at least one succeeded, is done, and one whose
// trials were all pruned is pruned; one with a failure and nothing
// running is failed; one with some trials succeeded or pruned, partial.
func cellState(c results.CellCount) string {
	switch {
	case c.Running > 0:
		return "running"
	case c.Succeeded+c.Pruned == c.Trials && c.Succeeded > 0:
		return "done"
	case c.Pruned == c.Trials && c.Trials > 0:
		return "pruned"
	case c.Failed > 0:
		return "failed"
	case c.Succeeded > 0 || c.Pruned > 0:
		return "partial"
	}
	return "pending"
}

func cellText(c results.CellCount) string {
	t := fmt.Sprintf("%d/%d", c.Succeeded, c.Trials)
	if c.Running > 0 {
		t += fmt.Sprintf(" ▶%d", c.Running)
	}
	if c.Failed > 0 {
		t += fmt.Sprintf(" ✗%d", c.Failed)
	}
	if c.Pruned > 0 {
		t += fmt.Sprintf(" ✂%d", c.Pruned)
	}
	return t
}

// matrixView is the task × method × rank matrix: one row per task and
// method, one column per rank.
type matrixView struct {
	Ranks []int
	Rows  []matrixRow
}

type matrixRow struct {
	Task, Method string
	Cells        []*cellView // nil where the sweep has no such cell
}

func buildMatrix(cells []results.CellCount) (matrixView, []cellView) {
	slices.SortFunc(cells, func(a, b results.CellCount) int {
		if a.TaskPos != b.TaskPos {
			return int(a.TaskPos - b.TaskPos)
		}
		if a.MethodPos != b.MethodPos {
			return int(a.MethodPos - b.MethodPos)
		}
		return a.Rank - b.Rank
	})
	var m matrixView
	flat := make([]cellView, 0, len(cells))
	at := map[string]*cellView{}
	for _, c := range cells {
		if !slices.Contains(m.Ranks, c.Rank) {
			m.Ranks = append(m.Ranks, c.Rank)
		}
		v := cellView{Key: cellKey(c.Task, c.Method, c.Rank), State: cellState(c), Text: cellText(c), Task: c.Task, Meth: c.Method, Rank: c.Rank}
		flat = append(flat, v)
	}
	slices.Sort(m.Ranks)
	for i := range flat {
		at[flat[i].Key] = &flat[i]
	}
	for _, c := range flat {
		if n := len(m.Rows); n > 0 && m.Rows[n-1].Task == c.Task && m.Rows[n-1].Method == c.Meth {
			continue
		}
		row := matrixRow{Task: c.Task, Method: c.Meth}
		for _, r := range m.Ranks {
			row.Cells = append(row.Cells, at[cellKey(c.Task, c.Meth, r)])
		}
		m.Rows = append(m.Rows, row)
	}
	return m, flat
}

// summary is the sweep's counts, throughput and ETA.
type summary struct {
	Trials     int            `json:"trials"`
	ByState    map[string]int `json:"by_state"`   // succeeded, running, failed, pruned, pending
	Throughput string         `json:"throughput"` // attempts a minute, as text
	ETA        string         `json:"eta"`
	Cells      []cellView     `json:"cells"`
	Running    []int64        `json:"running"` // attempt ids
	Failed     int64          `json:"failed"`  // the newest failed attempt's id
	// EarlyStop counts the early-stopping rule's decisions; nil when it
	// has taken none.
	EarlyStop *earlyStopView `json:"early_stop,omitempty"`
	// runningTrials is each running attempt's trial, for the watcher.
	runningTrials map[int64]string
}

// earlyStopView is what the sweep page shows of early stopping.
type earlyStopView struct {
	Stops        int   `json:"stops"`
	Promotions   int   `json:"promotions"`
	StepsTrained int64 `json:"steps_trained"`
}

// Finished is the trials that will not run again unless promoted:
// succeeded or pruned. The progress bars show it.
func (s summary) Finished() int { return s.ByState["succeeded"] + s.ByState["pruned"] }

// summaryMark is what a cached summary was read at: the sweep's change
// marker and its last early-stopping decision.
type summaryMark struct {
	results.Marker
	decisions int64
}

// mark reads the sweep's summary mark.
func (sw *sweep) mark(ctx context.Context) (summaryMark, error) {
	m, err := sw.store.Marker(ctx)
	if err != nil {
		return summaryMark{}, err
	}
	d, err := sw.store.EarlyStopMark(ctx)
	return summaryMark{m, d}, err
}

// summaryCache is the last summary read and the marker it was read at.
// Pages and the watcher share it: with many browsers open, the cells'
// query runs once per change, not once per page.
type summaryCache struct {
	mu     sync.Mutex
	marker summaryMark
	ok     bool
	st     summary
	m      matrixView
}

// summary reads the sweep's summary, or returns the cached one when the
// marker says that no attempt, trial or early-stopping decision changed
// since (new points and scores do not change it). Callers must not modify what it returns.
func (sw *sweep) summary(ctx context.Context) (summary, matrixView, error) {
	mk, err := sw.mark(ctx)
	if err != nil {
		return summary{ByState: map[string]int{}}, matrixView{}, err
	}
	mk.Metrics, mk.Scores = 0, 0
	c := &sw.sum
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.marker == mk {
		return c.st, c.m, nil
	}
	st, m, err := sw.readSummary(ctx)
	if err == nil {
		c.marker, c.ok, c.st, c.m = mk, true, st, m
	}
	return st, m, err
}

func (sw *sweep) readSummary(ctx context.Context) (summary, matrixView, error) {
	st := summary{ByState: map[string]int{}}
	cells, err := sw.store.Cells(ctx)
	if err != nil {
		return st, matrixView{}, err
	}
	m, flat := buildMatrix(cells)
	st.Cells = flat
	for _, c := range cells {
		st.Trials += c.Trials
		st.ByState["succeeded"] += c.Succeeded
		st.ByState["failed"] += c.Failed
		st.ByState["running"] += c.Running
		st.ByState["pruned"] += c.Pruned
		st.ByState["pending"] += c.Trials - c.Succeeded - c.Failed - c.Running - c.Pruned
	}
	tp, err := sw.store.Throughput(ctx)
	if err != nil {
		return st, m, err
	}
	st.Throughput, st.ETA = "—", "—"
	if tp.Seconds > 0 && tp.Ended > 0 {
		perMin := float64(tp.Ended) / tp.Seconds * 60
		st.Throughput = strconv.FormatFloat(perMin, 'f', max(0, 2-int(math.Floor(math.Log10(perMin)))), 64) + " attempts/min"
		left := st.ByState["pending"] + st.ByState["running"]
		switch {
		case left == 0:
			st.ETA = "done"
		case st.ByState["running"] > 0: // else nothing is at work: no estimate
			st.ETA = shortDuration(time.Duration(float64(left) / perMin * float64(time.Minute)))
		}
	}
	run, err := sw.store.RunningInfos(ctx)
	if err != nil {
		return st, m, err
	}
	st.Running = []int64{}
	st.runningTrials = map[int64]string{}
	for _, a := range run {
		st.Running = append(st.Running, a.ID)
		st.runningTrials[a.ID] = a.Trial
	}
	es, err := sw.store.EarlyStopCounts(ctx)
	if err != nil {
		return st, m, err
	}
	if es.Decisions > 0 {
		st.EarlyStop = &earlyStopView{Stops: es.Stops, Promotions: es.Promotions, StepsTrained: es.StepsTrained}
	}
	failed, err := sw.store.FailedInfos(ctx, 1)
	if err == nil && len(failed) > 0 {
		st.Failed = failed[0].ID
	}
	return st, m, err
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// attemptView is an attempt as a page shows it.
type attemptView struct {
	results.AttemptInfo
	Progress string
	ETA      string
	Curves   curveSet
}

func viewAttempt(a results.AttemptInfo) attemptView {
	v := attemptView{AttemptInfo: a, Progress: strconv.Itoa(a.LastStep)}
	if a.TotalSteps > 0 {
		v.Progress += " / " + strconv.Itoa(a.TotalSteps)
	}
	if t, err := time.Parse(time.RFC3339Nano, a.Started); err == nil && a.Status == results.AttemptRunning &&
		a.LastStep > 0 && a.TotalSteps > a.LastStep {
		per := time.Since(t) / time.Duration(a.LastStep)
		v.ETA = shortDuration(per * time.Duration(a.TotalSteps-a.LastStep))
	}
	return v
}

// curveSet is an attempt's curves by series key: "train:loss" (the
// training loss) and "SPLIT:METRIC" for the validation scores; each point
// is [step, value].
type curveSet map[string][][2]float64

// liveSplit is the split whose scores the live charts draw.
const liveSplit = "validation"

// cursor is how far a curve set has been read: the last training step
// and the last scored step (scores of a step can land after its metrics).
type cursor struct{ Metric, Score int }

// curvesAfter reads the points of an attempt after cur: the training loss
// and the validation scores (the runner's score where a step has both).
func curvesAfter(ctx context.Context, store *results.Store, attempt int64, cur cursor) (curveSet, cursor, error) {
	out := curveSet{}
	ms, err := store.MetricsAfter(ctx, attempt, cur.Metric)
	if err != nil {
		return nil, cur, err
	}
	next := cur
	for _, m := range ms {
		next.Metric = max(next.Metric, m.Step)
		if m.Name == "loss" && !math.IsInf(m.Value, 0) {
			out["train:loss"] = append(out["train:loss"], [2]float64{float64(m.Step), m.Value})
		}
	}
	sc, err := store.ScoresAfter(ctx, attempt, cur.Score)
	if err != nil {
		return nil, cur, err
	}
	for _, x := range sc {
		next.Score = max(next.Score, x.Step)
		if x.Split != liveSplit || math.IsInf(x.Value, 0) {
			continue
		}
		k := x.Split + ":" + x.Metric
		if ps := out[k]; len(ps) > 0 && ps[len(ps)-1][0] == float64(x.Step) {
			continue // the runner's came first
		}
		out[k] = append(out[k], [2]float64{float64(x.Step), x.Value})
	}
	return out, next, nil
}

// keys are the series of a curve set, sorted.
func (c curveSet) keys() []string {
	var ks []string
	for k := range c {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// isLoss says which chart a series goes to: losses (training and
// validation) on one, the other validation scores on the other.
func isLoss(k string) bool { return strings.HasSuffix(k, ":loss") }
