package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tiedlora/tiedlora-sweep/plots"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// sweep is one sweep being served: its read-only store, the watcher that
// feeds its live streams, and its rendered report.
type sweep struct {
	srv   *Server
	name  string
	db    string
	store *results.Store

	sum summaryCache
	cmp compareCache // the compare page's analysis

	mu      sync.Mutex
	subs    map[chan []byte]struct{}
	watched bool
	stop    chan struct{}

	reportMu   sync.Mutex
	report     []byte
	reportErr  string
	reportMark int64 // the scores marker it was rendered at; -1: never
	reportAt   time.Time
}

func newSweep(s *Server, name, db string, store *results.Store) *sweep {
	return &sweep{srv: s, name: name, db: db, store: store, subs: map[chan []byte]struct{}{}, stop: make(chan struct{}), reportMark: -1}
}

func (sw *sweep) close() error {
	sw.mu.Lock()
	select {
	case <-sw.stop:
	default:
		close(sw.stop)
	}
	for c := range sw.subs {
		delete(sw.subs, c)
		close(c)
	}
	sw.mu.Unlock()
	return sw.store.Close()
}

func (sw *sweep) stopped() bool {
	select {
	case <-sw.stop:
		return true
	default:
		return false
	}
}

// runDir is the sweep's folder: attempt directories must lie inside it.
func (sw *sweep) runDir() string { return filepath.Dir(sw.db) }

// subscribe adds a live stream. Its channel closes when the stream falls
// too far behind (the browser reconnects and reads afresh) or the server
// closes. The first subscriber starts the watcher.
func (sw *sweep) subscribe() chan []byte {
	c := make(chan []byte, 64)
	sw.mu.Lock()
	defer sw.mu.Unlock()
	select {
	case <-sw.stop:
		close(c)
		return c
	default:
	}
	sw.subs[c] = struct{}{}
	if !sw.watched {
		sw.watched = true
		go sw.watch()
	}
	return c
}

func (sw *sweep) unsubscribe(c chan []byte) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, ok := sw.subs[c]; ok {
		delete(sw.subs, c)
		close(c)
	}
}

// broadcast sends one message to every stream; one that cannot take it is
// dropped rather than slow the others.
func (sw *sweep) broadcast(msg []byte) int {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for c := range sw.subs {
		select {
		case c <- msg:
		default:
			delete(sw.subs, c)
			close(c)
		}
	}
	return len(sw.subs)
}

// sse frames one server-sent event.
func sse(event string, v any) ([]byte, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", event, js)
	return b.Bytes(), nil
}

// pointsMsg is new points of one attempt's curves.
type pointsMsg struct {
	Attempt int64    `json:"a"`
	Series  curveSet `json:"s"`
}

// watchState is what a watcher remembers between polls.
type watchState struct {
	last    summaryMark
	running map[int64]string // the running attempts at the last summary, with their trials
	cursors map[int64]cursor // how far each watched attempt's curves were sent
	linger  map[int64]int    // ended attempts still read for late points: polls left
	states  map[string]string
	idle    int // quiet polls since the last message
}

// lingerPolls is how many polls an ended attempt's curves are still read
// after its end: points and scores its end brought in land a moment
// later.
const lingerPolls = 5

// trialsMsg names the trials whose attempts, events, state or
// early-stopping decisions changed, for their pages to read them again;
// All when too many to name.
type trialsMsg struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

// trialsNamed is the most trials one trials message names.
const trialsNamed = 256

// watch polls the change marker while anyone listens, and sends what
// changed: the summary (cells, counts, the running attempts) when
// attempts, trials or early-stopping decisions changed, with the trials
// that changed; new curve points when metrics or scores grew; and
// "report" when scores landed and the report may be rendered again. One
// watcher per sweep, however many streams: the database sees one reader.
func (sw *sweep) watch() {
	t := time.NewTicker(sw.srv.opt.Interval)
	defer t.Stop()
	w := &watchState{cursors: map[int64]cursor{}, linger: map[int64]int{}}
	// Scores that land while the report is too fresh to render again are
	// announced once it may be: otherwise the last ones would wait for
	// more scores that may never come.
	reportDue := false
	for {
		select {
		case <-sw.stop:
			return
		case <-t.C:
		}
		sw.mu.Lock()
		if len(sw.subs) == 0 {
			sw.watched = false
			sw.mu.Unlock()
			return
		}
		sw.mu.Unlock()
		scores := w.last.Scores
		if err := sw.tick(w); err != nil && !notReady(err) && !sw.stopped() {
			sw.srv.errors.Add(1)
			sw.srv.opt.Logf("serve: sweep %s: %v", sw.name, err)
		}
		reportDue = reportDue || w.last.Scores != scores
		if reportDue && sw.mayRender() {
			reportDue = false
			sw.broadcast([]byte("event: report\ndata: {}\n\n"))
		}
	}
}

// keepAlive is how many quiet ticks pass before a comment line keeps
// proxies from closing the streams.
const keepAlive = 15

func (sw *sweep) tick(w *watchState) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := sw.mark(ctx)
	if err != nil {
		return err
	}
	first := w.running == nil // nothing to compare with yet
	if m == w.last && len(w.linger) == 0 && !first {
		if w.idle++; w.idle >= keepAlive {
			w.idle = 0
			sw.broadcast([]byte(": keep-alive\n\n"))
		}
		return nil
	}
	w.idle = 0
	prev := w.last
	// Attempts that started since the last poll: a short one may have
	// ended already, and was never seen running.
	var started []results.AttemptRef
	if m.Attempts != prev.Attempts && !first {
		if started, err = sw.store.AttemptsSince(ctx, prev.Attempts); err != nil {
			return err
		}
	}
	if first || m.Attempts != prev.Attempts || m.Ended != prev.Ended || m.Trials != prev.Trials || m.Events != prev.Events || m.decisions != prev.decisions {
		st, _, err := sw.summary(ctx)
		if err != nil {
			return err
		}
		msg, err := sse("summary", st)
		if err != nil {
			return err
		}
		sw.broadcast(msg)
		touched, err := sw.touched(ctx, w, prev, m, st, started, first)
		if err != nil {
			return err
		}
		for a := range w.running {
			if _, ok := st.runningTrials[a]; !ok {
				w.linger[a] = lingerPolls // it ended: read it a while longer
			}
		}
		for _, a := range started {
			if _, ok := st.runningTrials[a.ID]; !ok {
				w.linger[a.ID] = lingerPolls // it began and ended between two polls
			}
		}
		w.running = st.runningTrials
		if w.running == nil {
			w.running = map[int64]string{}
		}
		if len(touched) > 0 {
			tm := trialsMsg{IDs: touched}
			if len(touched) > trialsNamed {
				tm = trialsMsg{All: true}
			}
			msg, err := sse("trials", tm)
			if err != nil {
				return err
			}
			sw.broadcast(msg)
		}
	}
	w.last = m
	if m.Metrics == prev.Metrics && m.Scores == prev.Scores {
		for a, n := range w.linger {
			if n <= 1 {
				delete(w.linger, a)
				delete(w.cursors, a)
			} else {
				w.linger[a] = n - 1
			}
		}
		return nil
	}
	// The running attempts, and those that ended lately (read a few polls
	// more for the points their end brought, then forgotten).
	var ids []int64
	for a := range w.running {
		ids = append(ids, a)
	}
	for a := range w.linger {
		if _, ok := w.running[a]; !ok {
			ids = append(ids, a)
		}
	}
	slices.Sort(ids)
	for _, a := range ids {
		set, next, err := curvesAfter(ctx, sw.store, a, w.cursors[a])
		if err != nil {
			return err
		}
		w.cursors[a] = next
		if n, ok := w.linger[a]; ok {
			if n <= 1 {
				delete(w.linger, a)
				delete(w.cursors, a)
			} else {
				w.linger[a] = n - 1
			}
		}
		if len(set) == 0 {
			continue
		}
		msg, err := sse("points", pointsMsg{Attempt: a, Series: set})
		if err != nil {
			return err
		}
		sw.broadcast(msg)
	}
	return nil
}

// touched lists the trials that changed between two marks: those with a
// new attempt, an attempt that ended, a new stored event or decision, or
// a new state. The first poll names none: a page that opens reads its
// trial itself.
func (sw *sweep) touched(ctx context.Context, w *watchState, prev, m summaryMark, st summary, started []results.AttemptRef, first bool) ([]string, error) {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if m.Trials != prev.Trials || w.states == nil {
		states, err := sw.store.TrialStates(ctx)
		if err != nil {
			return nil, err
		}
		if w.states != nil {
			for id, s := range states {
				if w.states[id] != s {
					add(id)
				}
			}
		}
		w.states = states
	}
	if first {
		return nil, nil
	}
	for _, a := range started {
		add(a.Trial)
	}
	for a, trial := range w.running {
		if _, ok := st.runningTrials[a]; !ok {
			add(trial)
		}
	}
	if m.Events != prev.Events || m.decisions != prev.decisions {
		ch, err := sw.store.TrialsChangedSince(ctx, prev.Events, prev.decisions)
		if err != nil {
			return nil, err
		}
		for _, id := range ch {
			add(id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// mayRender says whether the report may be rendered again now: never
// rendered, or long enough ago.
func (sw *sweep) mayRender() bool {
	sw.reportMu.Lock()
	defer sw.reportMu.Unlock()
	return sw.reportMark < 0 || time.Since(sw.reportAt) >= sw.srv.opt.ReportEvery
}

// renderReport returns the sweep's report page, rendering it again when
// scores have landed since and the last rendering is old enough; many
// browsers reloading at once wait for one rendering.
func (sw *sweep) renderReport(ctx context.Context) ([]byte, string, error) {
	sw.reportMu.Lock()
	defer sw.reportMu.Unlock()
	m, err := sw.store.Marker(ctx)
	if err != nil {
		return nil, "", err
	}
	if sw.reportMark == m.Scores || (sw.reportMark >= 0 && time.Since(sw.reportAt) < sw.srv.opt.ReportEvery) { // mayRender's rule
		return sw.report, sw.reportErr, nil
	}
	sw.reportMark, sw.reportAt = m.Scores, time.Now()
	in, err := plots.Load(ctx, sw.srv.opt.Source(sw.store), sw.srv.opt.Analysis)
	if err != nil {
		// Nothing to analyse yet (no trials, no scores): the page says so.
		sw.report, sw.reportErr = nil, err.Error()
		return nil, sw.reportErr, nil
	}
	dir, err := os.MkdirTemp("", "sweep-serve-report-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	if _, err := plots.Write(dir, in, plots.Options{Formats: []string{plots.FormatHTML}}); err != nil {
		sw.report, sw.reportErr = nil, err.Error()
		return nil, sw.reportErr, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		return nil, "", err
	}
	sw.report, sw.reportErr = b, ""
	return b, "", nil
}
