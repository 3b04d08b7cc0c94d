package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/serve"
)

// esReason is the stop decisions' reason: markup, to be shown as text.
const esReason = "<script>alert(4)</script> below the median at step 20"

// esSweep writes a sweep with early stopping to runs/es/sweep.db and
// keeps it open for writing: cell (squad, lora, 8) has one trial
// succeeded and two pruned, cell (squad, lora, 16) one trial pruned, and
// trial "c1" stays pending for the test to run.
func esSweep(t *testing.T, runs string) *results.Store {
	t.Helper()
	ctx := context.Background()
	st, err := results.Open(filepath.Join(runs, "es", "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	row := func(id string, rank int, seed int64) results.TrialRow {
		return results.TrialRow{ID: id, Task: "squad", Method: "lora", Rank: rank, Seed: seed, HParams: `{"lr":0.001}`, Config: `{"id":"` + id + `"}`}
	}
	rows := []results.TrialRow{row("a1", 8, 1), row("a2", 8, 2), row("a3", 8, 3), row("b1", 16, 1), row("c1", 32, 1)}
	if _, err := st.SyncTrials(ctx, results.SweepFile{Name: "es", Hash: "h"}, rows); err != nil {
		t.Fatal(err)
	}
	run := func(id string, pruned bool) {
		a, err := st.StartAttempt(ctx, id, "local", "cpu0", func(n int) string { return fmt.Sprintf("trials/%s/%d", id, n) })
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Ingest(ctx, a.ID, results.Batch{LastStep: 20, TotalSteps: 100,
			Metrics: []results.Metric{{Step: 10, Name: "loss", Value: 2}, {Step: 20, Name: "loss", Value: 1.5}}}); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordDecision(ctx, results.Decision{Trial: id, Step: 10, Action: results.ActionContinue}, ""); err != nil {
			t.Fatal(err)
		}
		f := results.Finish{Status: results.AttemptSucceeded, TrialState: results.TrialSucceeded}
		if pruned {
			if err := st.RecordDecision(ctx, results.Decision{Trial: id, Step: 20, Action: results.ActionStop, Reason: esReason}, ""); err != nil {
				t.Fatal(err)
			}
			f = results.Finish{Status: results.AttemptPruned, ErrorKind: "pruned", Error: esReason, TrialState: results.TrialPruned}
		}
		if err := st.FinishAttempt(ctx, a.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	run("a1", false)
	run("a2", true)
	run("a3", true)
	run("b1", true)
	return st
}

func getBody(t *testing.T, srv http.Handler, path string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8321"+path, nil)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: got %d: %s", path, w.Code, w.Body)
	}
	return w.Body.String()
}

// cellOf finds a matrix cell's state and text by its text's start.
var cellRE = regexp.MustCompile(`<td class="cell ([a-z]+)" data-cell="[0-9a-f]+" data-state="[a-z]+"><a href="[^"]*">([^<]*)</a></td>`)

// TestPruned: pruned trials count as pruned (not pending, not failed) in
// the matrix, the counts and the index; the sweep page says what early
// stopping decided; a pruned trial's page shows its state, its attempt's
// reason and its decisions, the reason escaped.
func TestPruned(t *testing.T) {
	runs := t.TempDir()
	esSweep(t, runs)
	srv, err := serve.New(serve.Options{Runs: runs, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	page := getBody(t, srv, "/s/es/")
	var cells [][2]string
	for _, m := range cellRE.FindAllStringSubmatch(page, -1) {
		cells = append(cells, [2]string{m[1], m[2]})
	}
	want := [][2]string{{"done", "1/3 ✂2"}, {"pruned", "0/1 ✂1"}, {"pending", "0/1"}}
	if !slices.Equal(cells, want) {
		t.Errorf("matrix cells: got %v, want %v", cells, want)
	}
	for _, c := range []string{`data-count="pruned">3<`, `data-count="pending">1<`, `data-count="failed">0<`, `data-count="succeeded">1<`,
		`data-count="stops">3<`, `data-count="promotions">0<`, `data-count="steps_trained">80<`, `<span class="cell pruned">`} {
		if !strings.Contains(page, c) {
			t.Errorf("sweep page: got no %q", c)
		}
	}
	if strings.Contains(page, `id="early-stop" hidden`) {
		t.Errorf("sweep page: the early-stopping summary is hidden")
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "below the median") {
		t.Errorf("sweep page: a pruned attempt is listed as a failure, or unescaped")
	}

	index := getBody(t, srv, "/")
	// trials, succeeded, running, failed, pruned, pending
	if !strings.Contains(index, "<td>5</td><td>1</td><td>0</td>\n<td>0</td><td>3</td><td>1</td>") || !strings.Contains(index, `value="4"`) {
		t.Errorf("index: got no row with 3 pruned and 4 of 5 finished:\n%s", index)
	}

	trial := getBody(t, srv, "/s/es/trial/a2")
	for _, c := range []string{`<b class="pruned" data-state="pruned">pruned</b> at step 20`, `<td class="pruned">pruned</td>`,
		"<b>pruned</b> &lt;script&gt;alert(4)&lt;/script&gt; below the median", "Early stopping",
		`<b class="action continue">continue</b>`, `<b class="action stop">stop</b>`, `data-trial="a2"`} {
		if !strings.Contains(trial, c) {
			t.Errorf("trial page: got no %q", c)
		}
	}
	if strings.Contains(trial, "<script>alert") {
		t.Errorf("trial page: got unescaped markup from the database")
	}
	if page := getBody(t, srv, "/s/es/trial/c1"); strings.Contains(page, "Early stopping") {
		t.Errorf("a trial without decisions: got an early-stopping section")
	}
	parts := getBody(t, srv, "/s/es/trial/a2/parts")
	for _, c := range []string{`data-part="state"`, `data-part="attempts"`, `data-part="early"`, `data-part="curves"`, `data-part="events"`, "&lt;script&gt;alert(4)"} {
		if !strings.Contains(parts, c) {
			t.Errorf("trial parts: got no %q", c)
		}
	}
	if strings.Contains(parts, "<script>alert") {
		t.Errorf("trial parts: got unescaped markup from the database")
	}
	if n := srv.Errors(); n != 0 {
		t.Errorf("got %d internal errors, want none", n)
	}
}

// TestLiveTrial: while a trial page's stream is open, an attempt of the
// trial starts, writes its points and an event, and is pruned, all within
// one poll. The stream names the trial (so its page reads its attempts,
// events and state again), carries the short attempt's points, and the
// trial's parts then show it pruned.
func TestLiveTrial(t *testing.T) {
	runs := t.TempDir()
	st := esSweep(t, runs)
	srv, err := serve.New(serve.Options{Runs: runs, Interval: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.CloseClientConnections()
		ts.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/s/es/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	type sse struct{ event, data string }
	events := make(chan sse, 64)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var ev string
		for sc.Scan() {
			if e, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				ev = e
			} else if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- sse{ev, d}
			}
		}
	}()
	next := func() sse {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			return e
		case <-ctx.Done():
			t.Fatal("no event in time")
		}
		return sse{}
	}
	if e := next(); e.event != "summary" { // the stream starts with it
		t.Fatalf("got %q first, want summary", e.event)
	}
	// Wait for the watcher's first poll (its summary), then write a
	// whole attempt at once, right after it.
	if e := next(); e.event != "summary" {
		t.Fatalf("got %q, want the watcher's summary", e.event)
	}
	a, err := st.StartAttempt(ctx, "c1", "local", "cpu0", func(n int) string { return fmt.Sprintf("trials/c1/%d", n) })
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ingest(ctx, a.ID, results.Batch{LastStep: 20, TotalSteps: 100,
		Metrics: []results.Metric{{Step: 10, Name: "loss", Value: 3}, {Step: 20, Name: "loss", Value: 2.5}},
		Events:  []results.EventRow{{T: "t", Kind: "start", Body: `{"note":"<i>hi</i>"}`}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordDecision(ctx, results.Decision{Trial: "c1", Step: 20, Action: results.ActionStop, Reason: esReason}, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishAttempt(ctx, a.ID, results.Finish{Status: results.AttemptPruned, ErrorKind: "pruned", Error: esReason, TrialState: results.TrialPruned}); err != nil {
		t.Fatal(err)
	}
	named, pruned, steps := false, false, []float64{}
	for !named || !pruned || len(steps) < 2 {
		e := next()
		switch e.event {
		case "trials":
			var m struct {
				IDs []string `json:"ids"`
				All bool     `json:"all"`
			}
			if err := json.Unmarshal([]byte(e.data), &m); err != nil {
				t.Fatal(err)
			}
			named = named || m.All || slices.Contains(m.IDs, "c1")
			if slices.Contains(m.IDs, "a1") {
				t.Errorf("trials %s: got a trial that did not change", e.data)
			}
		case "summary":
			var s struct {
				ByState map[string]int `json:"by_state"`
			}
			json.Unmarshal([]byte(e.data), &s)
			pruned = pruned || (s.ByState["pruned"] == 4 && s.ByState["pending"] == 0)
		case "points":
			var m struct {
				A int64                   `json:"a"`
				S map[string][][2]float64 `json:"s"`
			}
			json.Unmarshal([]byte(e.data), &m)
			if m.A == a.ID {
				for _, p := range m.S["train:loss"] {
					steps = append(steps, p[0])
				}
			}
		}
	}
	if !slices.Equal(steps, []float64{10, 20}) {
		t.Errorf("the short attempt's points: got steps %v, want 10 and 20", steps)
	}
	r, err := http.Get(ts.URL + "/s/es/trial/c1/parts")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, c := range []string{`data-state="pruned"`, `<td class="pruned">pruned</td>`, "Early stopping", "&lt;script&gt;alert(4)", "&lt;i&gt;hi&lt;/i&gt;", "Curves of attempt 1"} {
		if !strings.Contains(string(b), c) {
			t.Errorf("trial parts after the attempt: got no %q", c)
		}
	}
	if n := srv.Errors(); n != 0 {
		t.Errorf("got %d internal errors, want none", n)
	}
}
