package serve_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
	"github.com/tiedlora/tiedlora-sweep/serve"
	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// site is a runs directory with the fixture sweep (its method named
// <script>alert(1)</script>) and a second sweep whose folder name is
// markup, served by a test server.
type site struct {
	runs    string
	db      string
	srv     *serve.Server
	trial   string // a trial with a failed then a succeeded attempt
	attempt int64  // its failed attempt, which has logs
	dir     string // that attempt's directory
}

func newSite(t *testing.T, token string) *site {
	t.Helper()
	runs := t.TempDir()
	db := filepath.Join(runs, "fixture", "sweep.db")
	ctx := context.Background()
	copyFixture(t, db)
	copyFixture(t, filepath.Join(runs, "<script>alert(2)", "sweep.db"))
	s := &site{runs: runs, db: db}
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fails, err := st.FailedInfos(ctx, 1)
	if err != nil || len(fails) == 0 {
		t.Fatalf("fixture has no failed attempt: %v", err)
	}
	s.trial, s.attempt = fails[0].Trial, fails[0].ID
	dir := filepath.Join(runs, "fixture", fails[0].Dir)
	s.dir = dir
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "stderr.log"), []byte("Traceback\n<script>alert(3)</script> out of memory\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "stdout.log"), []byte("step 1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "predictions-validation-50.jsonl"), []byte(`{"id":"q1","prediction":"<b>Paris</b>"}`+"\n"), 0o644)
	s.srv, err = serve.New(serve.Options{Runs: runs, Token: token, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.srv.Close() })
	return s
}

var (
	fixtureOnce sync.Once
	fixtureDB   []byte
	fixtureErr  error
)

// copyFixture writes the fixture database (made once per test binary) to
// path.
func copyFixture(t *testing.T, path string) {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "serve-fixture-")
		if err != nil {
			fixtureErr = err
			return
		}
		defer os.RemoveAll(dir)
		db := filepath.Join(dir, "sweep.db")
		if fixtureErr = fixture.Write(context.Background(), db, fixture.Small); fixtureErr == nil {
			fixtureDB, fixtureErr = os.ReadFile(db)
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, fixtureDB, 0o644); err != nil {
		t.Fatal(err)
	}
}

// get requests path of the handler as a loopback browser would.
func (s *site) get(t *testing.T, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:8321"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, req)
	return w
}

func TestPages(t *testing.T) {
	s := newSite(t, "")
	att := strconv.FormatInt(s.attempt, 10)
	for _, c := range []struct {
		path  string
		want  []string
		ctype string
	}{
		{"/", []string{`href="/s/fixture/"`, "&lt;script&gt;alert(2)", `href="/s/%3Cscript%3Ealert%282%29/"`}, "text/html"},
		{"/s/fixture/", []string{`class="matrix"`, "data-cell=", "&lt;script&gt;alert(1)&lt;/script&gt;", "CUDA out of memory &lt;b&gt;&amp;&lt;/b&gt;", `src="/s/fixture/report"`, "attempts/min"}, "text/html"},
		{"/s/fixture/trial/" + s.trial, []string{"Hyper-parameters", "Attempts", "&lt;script&gt;alert(3)&lt;/script&gt;", "&lt;b&gt;Paris&lt;/b&gt;", "<svg", "predictions-validation-50.jsonl"}, "text/html"},
		{"/s/fixture/trial/" + s.trial + "/parts", []string{`data-part="attempts"`, `data-part="events"`, "<svg"}, "text/html"},
		{"/s/fixture/cell?task=squad&method=lora&rank=8", []string{"/s/fixture/trial/"}, "text/html"},
		{"/s/fixture/part/failures", []string{"CUDA out of memory"}, "text/html"},
		{"/s/fixture/part/running", []string{"Nothing is running"}, "text/html"},
		{"/s/fixture/report", []string{`<table class="results">`, "Pareto", "&lt;script&gt;alert(1)&lt;/script&gt;"}, "text/html"},
		{"/s/fixture/attempt/" + att + "/log/stderr", []string{"<script>alert(3)</script> out of memory"}, "text/plain"},
		{"/s/fixture/attempt/" + att + "/points", []string{`"train:loss":[[`}, "application/json"},
		{"/static/app.js", []string{"EventSource"}, "javascript"},
	} {
		w := s.get(t, http.MethodGet, c.path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200: %s", c.path, w.Code, w.Body)
			continue
		}
		if got := w.Header().Get("Content-Type"); !strings.Contains(got, c.ctype) {
			t.Errorf("GET %s: got Content-Type %q, want %q", c.path, got, c.ctype)
		}
		body := w.Body.String()
		for _, want := range c.want {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: got no %q in the body", c.path, want)
			}
		}
		if strings.Contains(body, "0xc0") || strings.Contains(body, "%!") {
			t.Errorf("GET %s: got a pointer or a format error in the page", c.path)
		}
		if strings.Contains(c.ctype, "html") && (strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>Paris")) {
			t.Errorf("GET %s: got unescaped markup from the database", c.path)
		}
		if csp := w.Header().Get("Content-Security-Policy"); csp == "" || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: got Content-Security-Policy %q", c.path, csp)
		}
	}
	if n := s.srv.Errors(); n != 0 {
		t.Errorf("got %d internal errors, want none", n)
	}
}

// TestTraversal404 puts ../, absolute paths and their encodings in every
// parameter: each is 404, and nothing outside the runs directory is read.
func TestTraversal404(t *testing.T) {
	s := newSite(t, "")
	att := strconv.FormatInt(s.attempt, 10)
	bad := []string{"..", "../..", "../../../../etc/passwd", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fetc%2fpasswd",
		"%2fetc%2fpasswd", "/etc/passwd", "..%5c..%5cwindows", "....//....//etc"}
	var paths []string
	for _, b := range bad {
		paths = append(paths,
			"/s/"+b+"/",
			"/s/"+b+"/trial/"+s.trial,
			"/s/fixture/trial/"+b+"/parts",
			"/s/"+b+"/trial/"+s.trial+"/parts",
			"/s/fixture/trial/"+b,
			"/s/fixture/attempt/"+b+"/log/stderr",
			"/s/fixture/attempt/"+att+"/log/"+b,
			"/s/fixture/attempt/"+att+"/points?after="+b,
			"/s/fixture/part/"+b,
			"/s/"+b+"/report",
			"/s/"+b+"/events",
			"/s/fixture/cell?task="+b+"&method=lora&rank=8",
			"/s/fixture/cell?task=squad&method="+b+"&rank=8",
			"/s/fixture/cell?task=squad&method=lora&rank="+b,
			"/static/"+b,
			"/static/../serve.go",
		)
	}
	for _, p := range paths {
		if w := s.get(t, http.MethodGet, p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, w.Code)
		}
	}
	if n := s.srv.Errors(); n != 0 {
		t.Errorf("got %d internal errors, want none: a bad parameter is the client's 404", n)
	}
}

// TestLogInsideRunDir: an attempt whose recorded directory lies outside
// the sweep's folder has no logs to serve, however the database says it.
func TestLogInsideRunDir(t *testing.T) {
	s := newSite(t, "")
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "stderr.log"), []byte("secret"), 0o644)
	// A symlink inside the run directory that points out of it.
	os.RemoveAll(s.dir)
	if err := os.Symlink(outside, s.dir); err != nil {
		t.Fatal(err)
	}
	w := s.get(t, http.MethodGet, "/s/fixture/attempt/"+strconv.FormatInt(s.attempt, 10)+"/log/stderr")
	if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("got %d %q, want 404 for a log outside the run directory", w.Code, w.Body)
	}
}

func TestToken(t *testing.T) {
	const token = "s3cret-token"
	s := newSite(t, token)
	for _, c := range []struct {
		name string
		path string
		hdr  []string
		want int
	}{
		{"none", "/", nil, http.StatusUnauthorized},
		{"none, a sweep", "/s/fixture/", nil, http.StatusUnauthorized},
		{"none, a stream", "/s/fixture/events", nil, http.StatusUnauthorized},
		{"none, a log", "/s/fixture/attempt/1/log/stderr", nil, http.StatusUnauthorized},
		{"wrong bearer", "/", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"prefix of the token", "/", []string{"Authorization", "Bearer s3cret"}, http.StatusUnauthorized},
		{"basic, not bearer", "/", []string{"Authorization", "Basic " + token}, http.StatusUnauthorized},
		{"wrong query", "/?token=nope", nil, http.StatusUnauthorized},
		{"empty query", "/?token=", nil, http.StatusUnauthorized},
		{"wrong cookie", "/", []string{"Cookie", "sweep_token=nope"}, http.StatusUnauthorized},
		{"bearer", "/", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"cookie", "/s/fixture/", []string{"Cookie", "sweep_token=" + token}, http.StatusOK},
		{"query, once", "/s/fixture/?token=" + token, nil, http.StatusSeeOther},
		// A token does not excuse a bad path.
		{"bearer, traversal", "/s/..%2f..%2fetc/", []string{"Authorization", "Bearer " + token}, http.StatusNotFound},
	} {
		w := s.get(t, http.MethodGet, c.path, c.hdr...)
		if w.Code != c.want {
			t.Errorf("%s: GET %s: got %d, want %d", c.name, c.path, w.Code, c.want)
		}
		if w.Code == http.StatusUnauthorized && strings.Contains(w.Body.String(), "fixture") {
			t.Errorf("%s: a 401 shows the sweep", c.name)
		}
	}
	w := s.get(t, http.MethodGet, "/s/fixture/?token="+token)
	if loc := w.Header().Get("Location"); loc != "/s/fixture/" {
		t.Errorf("got redirect to %q, want /s/fixture/ (the token out of the address)", loc)
	}
	if c := w.Header().Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Errorf("got cookie %q, want HttpOnly and SameSite=Strict", c)
	}
}

func TestCheckAddr(t *testing.T) {
	for _, c := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8321", "", true},
		{"localhost:8321", "", true},
		{"[::1]:8321", "", true},
		{"127.0.0.2:0", "", true},
		{"0.0.0.0:8321", "", false},
		{":8321", "", false},
		{"[::]:8321", "", false},
		{"192.168.1.10:8321", "", false},
		{"example.org:80", "", false},
		{"0.0.0.0:8321", "t", true},
		{"no-port", "t", false},
	} {
		err := serve.CheckAddr(c.addr, c.token)
		if got := err == nil; got != c.ok {
			t.Errorf("CheckAddr(%q, %q): got %v, want ok=%v", c.addr, c.token, err, c.ok)
		}
	}
}

// TestReadOnly: no method but GET and HEAD, and a full tour of the pages
// leaves the database file as it was.
func TestReadOnly(t *testing.T) {
	s := newSite(t, "")
	before := sum(t, s.db)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		if w := s.get(t, m, "/s/fixture/"); w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: got %d, want 405", m, w.Code)
		}
	}
	for _, p := range []string{"/", "/s/fixture/", "/s/fixture/report", "/s/fixture/trial/" + s.trial} {
		s.get(t, http.MethodGet, p)
	}
	if after := sum(t, s.db); after != before {
		t.Errorf("the database changed while served")
	}
}

func sum(t *testing.T, path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestHostHeader: without a token the dashboard answers only to loopback
// names, so a page that rebinds its own name to 127.0.0.1 reads nothing.
func TestHostHeader(t *testing.T) {
	s := newSite(t, "")
	for _, c := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:8321", http.StatusOK},
		{"localhost:8321", http.StatusOK},
		{"[::1]:8321", http.StatusOK},
		{"evil.example:8321", http.StatusMisdirectedRequest},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = c.host
		w := httptest.NewRecorder()
		s.srv.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("Host %s: got %d, want %d", c.host, w.Code, c.want)
		}
	}
}

// TestSweepsOption serves one database by name, as `sweep serve FILE`.
func TestSweepsOption(t *testing.T) {
	runs := newSite(t, "").runs
	srv, err := serve.New(serve.Options{Sweeps: map[string]string{"mine": filepath.Join(runs, "fixture", "sweep.db")}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, c := range []struct {
		path string
		want int
	}{{"/s/mine/", 200}, {"/s/fixture/", 404}} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://localhost"+c.path, nil))
		if w.Code != c.want {
			t.Errorf("GET %s: got %d, want %d", c.path, w.Code, c.want)
		}
	}
	if _, err := serve.New(serve.Options{}); err == nil {
		t.Errorf("New without runs or sweeps: got no error")
	}
}

// TestPredictionReferences: a trial page puts each prediction beside its
// example's reference, from the task its attempt's spec.json names.
func TestPredictionReferences(t *testing.T) {
	s := newSite(t, "")
	task := trainer.TaskSpec{Name: "syn-squad", Size: 50, Seed: 7}
	exs, err := tasks.Load(tasks.Config(task), "validation")
	if err != nil || len(exs) == 0 {
		t.Fatalf("syn-squad validation: %v", err)
	}
	dir := s.dir
	spec, _ := json.Marshal(trainer.Spec{Protocol: 1, Task: &task})
	os.WriteFile(filepath.Join(dir, "spec.json"), spec, 0o644)
	pred, _ := json.Marshal(map[string]string{"id": exs[0].ID, "prediction": "my answer"})
	os.WriteFile(filepath.Join(dir, "predictions-validation-50.jsonl"), append(pred, '\n'), 0o644)
	body := s.get(t, http.MethodGet, "/s/fixture/trial/"+s.trial).Body.String()
	want := template.HTMLEscapeString(exs[0].References[0])
	if !strings.Contains(body, "my answer") || !strings.Contains(body, want) {
		t.Errorf("got no prediction %q beside its reference %q in the trial page", "my answer", want)
	}
}

// TestLogSymlink: a log that is a link is not followed, even inside the
// run directory.
func TestLogSymlink(t *testing.T) {
	s := newSite(t, "")
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("secret"), 0o644)
	log := filepath.Join(s.dir, "stdout.log")
	os.Remove(log)
	if err := os.Symlink(secret, log); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/s/fixture/attempt/" + strconv.FormatInt(s.attempt, 10) + "/log/stdout", "/s/fixture/trial/" + s.trial} {
		if w := s.get(t, http.MethodGet, p); strings.Contains(w.Body.String(), "secret") {
			t.Errorf("GET %s: got the linked file's text (%d)", p, w.Code)
		}
	}
}
