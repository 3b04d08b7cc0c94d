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
	last    results.Marker
	running []int64          // the running attempts at the last summary
	cursors map[int64]cursor // how far each watched attempt's curves were sent
	idle    int              // quiet polls since the last message
}

// watch polls the change marker while anyone listens, and sends what
// changed: the summary (cells, counts, the running attempts) when
// attempts or trials changed, new curve points when metrics or scores
// grew, and "report" when scores landed and the report may be rendered
// again. One watcher per sweep, however many streams: the database sees
// one reader.
func (sw *sweep) watch() {
	t := time.NewTicker(sw.srv.opt.Interval)
	defer t.Stop()
	w := &watchState{cursors: map[int64]cursor{}}
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
	m, err := sw.store.Marker(ctx)
	if err != nil {
		return err
	}
	if m == w.last {
		if w.idle++; w.idle >= keepAlive {
			w.idle = 0
			sw.broadcast([]byte(": keep-alive\n\n"))
		}
		return nil
	}
	w.idle = 0
	prev := w.last
	w.last = m
	if m.Attempts != prev.Attempts || m.Ended != prev.Ended || m.Trials != prev.Trials || m.Events != prev.Events {
		st, _, err := sw.summary(ctx)
		if err != nil {
			return err
		}
		w.running = st.Running
		msg, err := sse("summary", st)
		if err != nil {
			return err
		}
		sw.broadcast(msg)
	}
	if m.Metrics == prev.Metrics && m.Scores == prev.Scores {
		return nil
	}
	// Attempts that ended since the last poll are read once more for
	// their last points, then forgotten.
	ids := slices.Clone(w.running)
	for a := range w.cursors {
		if !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	slices.Sort(ids)
	for _, a := range ids {
		set, next, err := curvesAfter(ctx, sw.store, a, w.cursors[a])
		if err != nil {
			return err
		}
		if slices.Contains(w.running, a) {
			w.cursors[a] = next
		} else {
			delete(w.cursors, a)
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
