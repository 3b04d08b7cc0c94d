package serve_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// TestComparePage compares the fixture with the sweep whose folder name
// is markup: both sweeps' columns, names escaped, complete without a
// script; an unknown sweep, a bad rank or a rank neither has is 404.
func TestComparePage(t *testing.T) {
	s := newSite(t, "")
	evil := "<script>alert(2)"
	q := "/compare?" + url.Values{"sweep": {"fixture", evil}}.Encode()
	for _, c := range []struct {
		path string
		want []string
	}{
		{q, []string{`<th class="sweep" colspan="4">fixture</th>`, `<th class="sweep" colspan="4">&lt;script&gt;alert(2)</th>`,
			"Compared at each method&#39;s best rank", "&lt;script&gt;alert(1)&lt;/script&gt;", `value="&lt;script&gt;alert(2)" checked`,
			"squad (exact_match)", "70.07 ± 0.50"}},
		{q + "&rank=8", []string{"Compared at rank 8", `<th class="sweep" colspan="3">fixture</th>`}},
		{"/compare", []string{"Pick two or more sweeps", `name="sweep" value="fixture"`}},
		{"/compare?sweep=fixture", []string{"Pick two or more sweeps", `value="fixture" checked`}},
		{"/", []string{`action="/compare"`, `value="&lt;script&gt;alert(2)"`}},
	} {
		w := s.get(t, http.MethodGet, c.path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200: %s", c.path, w.Code, w.Body)
			continue
		}
		body := w.Body.String()
		for _, want := range c.want {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: got no %q in the body", c.path, want)
			}
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("GET %s: got unescaped markup from the database", c.path)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: got Content-Security-Policy %q", c.path, csp)
		}
	}
	for _, p := range []string{
		"/compare?sweep=fixture&sweep=nosuch",
		"/compare?sweep=fixture&sweep=..%2F..%2Fetc",
		"/compare?sweep=nosuch",
		"/compare?" + url.Values{"sweep": {"fixture", evil}, "rank": {"x"}}.Encode(),
		"/compare?" + url.Values{"sweep": {"fixture", evil}, "rank": {"-8"}}.Encode(),
		"/compare?" + url.Values{"sweep": {"fixture", evil}, "rank": {"4"}}.Encode(),
	} {
		if w := s.get(t, http.MethodGet, p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, w.Code)
		}
	}
	if n := s.srv.Errors(); n != 0 {
		t.Errorf("got %d internal errors, want none", n)
	}
}

// A sweep with no score yet cannot be compared: the page says so.
func TestComparePageNoScores(t *testing.T) {
	s := newSite(t, "")
	db := filepath.Join(s.runs, "pending", "sweep.db")
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncTrials(context.Background(), results.SweepFile{Name: "pending", Path: "p.yaml", Text: "name: pending", Hash: "h"},
		[]results.TrialRow{{ID: "t1", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: "{}", Config: "{}"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	w := s.get(t, http.MethodGet, "/compare?sweep=fixture&sweep=pending")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "sweep pending has no trial with a test score yet") {
		t.Errorf("got %d %s, want 200 and why pending cannot be compared", w.Code, w.Body)
	}
}

func TestCompareToken(t *testing.T) {
	s := newSite(t, "s3cret")
	if w := s.get(t, http.MethodGet, "/compare?sweep=fixture&sweep=fixture"); w.Code != http.StatusUnauthorized {
		t.Errorf("got %d without the token, want 401", w.Code)
	}
	if w := s.get(t, http.MethodGet, "/compare?sweep=fixture&sweep=fixture", "Authorization", "Bearer s3cret"); w.Code != http.StatusOK {
		t.Errorf("got %d with the token, want 200", w.Code)
	}
}
