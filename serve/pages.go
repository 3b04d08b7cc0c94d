package serve

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"sweepURL": func(name string) string { return "/s/" + url.PathEscape(name) + "/" },
	"trialURL": func(sweep, trial string) string {
		return "/s/" + url.PathEscape(sweep) + "/trial/" + url.PathEscape(trial)
	},
	"logURL": func(sweep string, attempt int64, stream string) string {
		return "/s/" + url.PathEscape(sweep) + "/attempt/" + strconv.FormatInt(attempt, 10) + "/log/" + stream
	},
	"cellURL": func(sweep string, c *cellView) string {
		q := url.Values{"task": {c.Task}, "method": {c.Meth}, "rank": {strconv.Itoa(c.Rank)}}
		return "/s/" + url.PathEscape(sweep) + "/cell?" + q.Encode()
	},
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"short":    func(id string) string { return id[:min(len(id), 12)] },
	"chartsOf": charts,
}).ParseFS(templateFS, "templates/*.tmpl"))

// render executes a template into memory first, so a failure halfway
// answers 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// lookup finds the request's sweep, answering 404 or 500 itself when it
// cannot.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *sweep {
	sw, err := s.sweep(r.PathValue("sweep"))
	switch {
	case errors.Is(err, errNoSweep):
		http.NotFound(w, r)
		return nil
	case err != nil:
		s.fail(w, r, err)
		return nil
	}
	return sw
}

type indexRow struct {
	Name    string
	Summary summary
	Holder  *results.LeaseHolder
	Err     string
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	names, err := s.names()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []indexRow
	for _, n := range names {
		row := indexRow{Name: n}
		sw, err := s.sweep(n)
		if err == nil {
			row.Summary, _, err = sw.summary(r.Context())
		}
		if err == nil {
			row.Holder, err = sw.store.LeaseHolder(r.Context())
		}
		if err != nil && !notReady(err) {
			row.Err = "cannot read this sweep's database (the server's log has why)"
			s.opt.Logf("serve: sweep %s: %v", n, err)
		}
		rows = append(rows, row)
	}
	s.render(w, r, "index", struct{ Sweeps []indexRow }{rows})
}

type sweepData struct {
	Sweep    string
	Summary  summary
	Matrix   matrixView
	Holder   *results.LeaseHolder
	Running  []attemptView
	Failures []attemptView
}

// failuresShown is how many recent failures a sweep's page lists.
const failuresShown = 20

// notReady is a database whose orchestrator has made the file but not
// yet its tables: a sweep that is just starting, shown empty.
func notReady(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table")
}

func (sw *sweep) data(ctx context.Context, running, failures bool) (sweepData, error) {
	d := sweepData{Sweep: sw.name}
	var err error
	if d.Summary, d.Matrix, err = sw.summary(ctx); notReady(err) {
		return d, nil
	} else if err != nil {
		return d, err
	}
	if d.Holder, err = sw.store.LeaseHolder(ctx); err != nil {
		return d, err
	}
	if running {
		run, err := sw.store.RunningInfos(ctx)
		if err != nil {
			return d, err
		}
		for _, a := range run {
			v := viewAttempt(a)
			if v.Curves, _, err = curvesAfter(ctx, sw.store, a.ID, cursor{}); err != nil {
				return d, err
			}
			d.Running = append(d.Running, v)
		}
	}
	if failures {
		fs, err := sw.store.FailedInfos(ctx, failuresShown)
		if err != nil {
			return d, err
		}
		for _, a := range fs {
			d.Failures = append(d.Failures, viewAttempt(a))
		}
	}
	return d, nil
}

func (s *Server) sweepPage(w http.ResponseWriter, r *http.Request) {
	sw := s.lookup(w, r)
	if sw == nil {
		return
	}
	d, err := sw.data(r.Context(), true, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "sweep", d)
}

// partPage serves one section of a sweep's page, for the script to swap
// in when the stream says it changed.
func (s *Server) partPage(w http.ResponseWriter, r *http.Request) {
	part := r.PathValue("part")
	if part != "running" && part != "failures" && part != "matrix" {
		http.NotFound(w, r)
		return
	}
	sw := s.lookup(w, r)
	if sw == nil {
		return
	}
	d, err := sw.data(r.Context(), part == "running", part == "failures")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, part, d)
}

// reportPolicy is the report's own: it has inline styles and SVG and no
// script at all.
const reportPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	sw := s.lookup(w, r)
	if sw == nil {
		return
	}
	b, why, err := sw.renderReport(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if b == nil {
		s.render(w, r, "noreport", struct{ Sweep, Why string }{sw.name, why})
		return
	}
	w.Header().Set("Content-Security-Policy", reportPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

func (s *Server) cellPage(w http.ResponseWriter, r *http.Request) {
	sw := s.lookup(w, r)
	if sw == nil {
		return
	}
	q := r.URL.Query()
	rank, err := strconv.Atoi(q.Get("rank"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	trials, err := sw.store.CellTrials(r.Context(), q.Get("task"), q.Get("method"), rank)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(trials) == 0 {
		http.NotFound(w, r)
		return
	}
	s.render(w, r, "cell", struct {
		Sweep, Task, Method string
		Rank                int
		Trials              []results.CellTrial
	}{sw.name, q.Get("task"), q.Get("method"), rank, trials})
}

// trialID is the shape of a trial id (a hash); anything else is 404
// before the database is asked.
var trialID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

type trialData struct {
	Sweep       string
	Trial       results.TrialDetail
	HParams     []kv
	Config      string
	Attempts    []attemptView
	Latest      *attemptView
	Decisions   []results.Decision
	Events      []results.StoredEvent
	Predictions []prediction
	PredFile    string
	Stdout      string
	Stderr      string
}

type kv struct{ Key, Value string }

// LastStop is the trial's last stop decision, nil when none.
func (d trialData) LastStop() *results.Decision {
	for i := len(d.Decisions) - 1; i >= 0; i-- {
		if d.Decisions[i].Action == results.ActionStop {
			return &d.Decisions[i]
		}
	}
	return nil
}

// eventsShown is how many of the latest attempt's events a trial page
// lists; predictionsShown how many predictions.
const (
	eventsShown      = 200
	predictionsShown = 10
	logTailShown     = 8 << 10
)

// trialOf reads the request's trial: its state, attempts, decisions, the
// latest attempt's curves and events, and with files its predictions and
// logs too. It answers 404 or 500 itself when it cannot (ok false).
func (s *Server) trialOf(w http.ResponseWriter, r *http.Request, files bool) (trialData, bool) {
	sw := s.lookup(w, r)
	if sw == nil {
		return trialData{}, false
	}
	id := r.PathValue("trial")
	if !trialID.MatchString(id) {
		http.NotFound(w, r)
		return trialData{}, false
	}
	ctx := r.Context()
	t, err := sw.store.Trial(ctx, id)
	if errors.Is(err, results.ErrNotFound) {
		http.NotFound(w, r)
		return trialData{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return trialData{}, false
	}
	d := trialData{Sweep: sw.name, Trial: t, HParams: hparams(t.HParams), Config: indentJSON(t.Config)}
	atts, err := sw.store.TrialAttemptInfos(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return d, false
	}
	for _, a := range atts {
		d.Attempts = append(d.Attempts, viewAttempt(a))
	}
	if d.Decisions, err = sw.store.TrialDecisions(ctx, id); err != nil {
		s.fail(w, r, err)
		return d, false
	}
	if n := len(d.Attempts); n > 0 {
		l := &d.Attempts[n-1]
		if l.Curves, _, err = curvesAfter(ctx, sw.store, l.ID, cursor{}); err != nil {
			s.fail(w, r, err)
			return d, false
		}
		d.Latest = l
		if d.Events, err = sw.store.AttemptEvents(ctx, l.ID, 0, eventsShown); err != nil {
			s.fail(w, r, err)
			return d, false
		}
		if dir, ok := sw.attemptDir(l.AttemptInfo); ok && files {
			d.Predictions, d.PredFile = samplePredictions(dir, predictionsShown)
			if len(d.Predictions) > 0 {
				refs := s.refs.references(dir, predictionSplit(d.PredFile))
				for i := range d.Predictions {
					d.Predictions[i].Reference = refs[d.Predictions[i].ID]
				}
			}
			d.Stdout, _ = tail(filepath.Join(dir, "stdout.log"), logTailShown)
			d.Stderr, _ = tail(filepath.Join(dir, "stderr.log"), logTailShown)
		}
	}
	return d, true
}

func (s *Server) trialPage(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.trialOf(w, r, true); ok {
		s.render(w, r, "trial", d)
	}
}

// trialParts serves the sections of a trial's page that change while it
// runs (its state, attempts, early-stopping decisions, the latest
// attempt's curves and events), each in an element named by its
// data-part, for the script to swap in when the stream names the trial.
func (s *Server) trialParts(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.trialOf(w, r, false); ok {
		s.render(w, r, "trialParts", d)
	}
}

func hparams(js string) []kv {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(js), &m) != nil {
		return []kv{{"hparams", js}}
	}
	var out []kv
	for k, v := range m {
		out = append(out, kv{k, string(v)})
	}
	slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func indentJSON(js string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(js), "", "  ") != nil {
		return js
	}
	return b.String()
}

// attemptDir is an attempt's directory as the database records it
// (relative to the run directory, or absolute), accepted only when it
// lies inside the sweep's run directory: a database is data, too.
func (sw *sweep) attemptDir(a results.AttemptInfo) (string, bool) {
	root, err := filepath.Abs(sw.runDir())
	if err != nil {
		return "", false
	}
	dir := a.Dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	rel, err := filepath.Rel(root, filepath.Clean(dir))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		if rr, err := filepath.EvalSymlinks(root); err == nil {
			if rel, err := filepath.Rel(rr, real); err != nil || strings.HasPrefix(rel, "..") {
				return "", false
			}
		}
	}
	return dir, true
}

// regular says whether path is a regular file itself, not a link to one:
// a worker's files are read, never what they might point at.
func regular(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode().IsRegular()
}

// tail reads at most n bytes of the end of a file, from a line start.
func tail(path string, n int64) (string, error) {
	if !regular(path) {
		return "", errors.New("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	off := max(st.Size()-n, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return "", err
	}
	if off > 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b), nil
}

// prediction is one line of a predictions file, with the example's
// reference where the task could be loaded.
type prediction struct {
	ID, Text, Reference string
}

// samplePredictions reads the first n predictions of the attempt's
// newest predictions file.
func samplePredictions(dir string, n int) ([]prediction, string) {
	files, _ := filepath.Glob(filepath.Join(dir, "predictions-*.jsonl"))
	if len(files) == 0 {
		return nil, ""
	}
	newest, at := "", time.Time{}
	for _, f := range files {
		if st, err := os.Lstat(f); err == nil && st.Mode().IsRegular() && st.ModTime().After(at) { // as regular()
			newest, at = f, st.ModTime()
		}
	}
	if newest == "" {
		return nil, ""
	}
	f, err := os.Open(newest)
	if err != nil {
		return nil, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []prediction
	for len(out) < n && sc.Scan() {
		var p struct {
			ID         string    `json:"id"`
			Prediction *string   `json:"prediction"`
			Logprobs   []float64 `json:"choice_logprobs"`
		}
		if json.Unmarshal(sc.Bytes(), &p) != nil {
			continue
		}
		text := ""
		switch {
		case p.Prediction != nil:
			text = *p.Prediction
		case p.Logprobs != nil:
			b, _ := json.Marshal(p.Logprobs)
			text = "choice log-probabilities " + string(b)
		}
		out = append(out, prediction{ID: p.ID, Text: text})
	}
	return out, filepath.Base(newest)
}

// attempt finds the request's attempt of the request's sweep.
func (s *Server) attempt(w http.ResponseWriter, r *http.Request) (*sweep, *results.AttemptInfo) {
	sw := s.lookup(w, r)
	if sw == nil {
		return nil, nil
	}
	id, err := strconv.ParseInt(r.PathValue("attempt"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return nil, nil
	}
	a, err := sw.store.AttemptInfo(r.Context(), id)
	if errors.Is(err, results.ErrNotFound) {
		http.NotFound(w, r)
		return nil, nil
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, nil
	}
	return sw, &a
}

// logTailServed is how much of a log the log address serves.
const logTailServed = 256 << 10

// logPage serves the tail of an attempt's stdout or stderr as text: by
// attempt id and a stream name from a fixed list, never by path.
func (s *Server) logPage(w http.ResponseWriter, r *http.Request) {
	stream := r.PathValue("stream")
	if stream != "stdout" && stream != "stderr" {
		http.NotFound(w, r)
		return
	}
	sw, a := s.attempt(w, r)
	if a == nil {
		return
	}
	dir, ok := sw.attemptDir(*a)
	if !ok {
		http.NotFound(w, r)
		return
	}
	text, err := tail(filepath.Join(dir, stream+".log"), logTailServed)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	io.WriteString(w, text)
}

// pointsJSON is an attempt's curves after a step (?after=N, default all),
// for a page that (re)connects to the stream.
func (s *Server) pointsJSON(w http.ResponseWriter, r *http.Request) {
	after := 0
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			http.NotFound(w, r)
			return
		}
		after = n
	}
	sw, a := s.attempt(w, r)
	if a == nil {
		return
	}
	set, _, err := curvesAfter(r.Context(), sw.store, a.ID, cursor{after, after})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(pointsMsg{Attempt: a.ID, Series: set})
}

// stream is a sweep's live updates as server-sent events. It subscribes
// before it answers, and starts with the current summary, so a page that
// reads its curves on "open" misses nothing.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	sw := s.lookup(w, r)
	if sw == nil {
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, r, errors.New("the response cannot stream"))
		return
	}
	c := sw.subscribe()
	defer sw.unsubscribe(c)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	io.WriteString(w, "retry: 2000\n\n")
	// The summary as it stands: a page that reconnects after missing
	// some catches up without waiting for the next change.
	if st, _, err := sw.summary(r.Context()); err == nil {
		if msg, err := sse("summary", st); err == nil {
			w.Write(msg)
		}
	}
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-c:
			if !ok {
				return
			}
			if _, err := w.Write(msg); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
