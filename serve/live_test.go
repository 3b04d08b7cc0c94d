package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/serve"
	"github.com/tiedlora/tiedlora-sweep/serve/servebench"
)

// liveSweep starts a sweep of slow shell workers in a temporary folder and
// a dashboard of its runs directory on a test server; the sweep stops with
// the test.
func liveSweep(t *testing.T, o servebench.SweepOptions) (*httptest.Server, <-chan error) {
	t.Helper()
	dir := t.TempDir()
	file, err := servebench.WriteSweep(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := servebench.Run(ctx, file)
		done <- err
	}()
	srv, err := serve.New(serve.Options{Runs: filepath.Join(dir, "runs"), Interval: 200 * time.Millisecond, ReportEvery: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close() // ends the live streams
		ts.CloseClientConnections()
		ts.Close()
	})
	// The sweep's page shows its matrix once the orchestrator has
	// recorded the trials.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(ts.URL + "/s/" + o.Name + "/")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(b), "data-cell=") {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the sweep stopped before its page appeared: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweep's page never appeared: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ts, done
}

// TestLiveStream watches a running sweep's stream: new points arrive for
// the running attempt, and the cell ends done, without reading a page.
func TestLiveStream(t *testing.T) {
	ts, _ := liveSweep(t, servebench.SweepOptions{Name: "live", Steps: 12, Delay: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/s/live/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("got Content-Type %q, want text/event-stream", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	var event string
	points, maxStep, states := 0, 0.0, map[string]bool{}
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		switch event {
		case "points":
			var m struct {
				S map[string][][2]float64 `json:"s"`
			}
			if err := json.Unmarshal([]byte(data), &m); err != nil {
				t.Fatalf("points %s: %v", data, err)
			}
			for _, p := range m.S["train:loss"] {
				points++
				maxStep = max(maxStep, p[0])
			}
		case "summary":
			var st struct {
				Cells []struct{ S string } `json:"cells"`
			}
			if err := json.Unmarshal([]byte(data), &st); err != nil {
				t.Fatalf("summary %s: %v", data, err)
			}
			for _, c := range st.Cells {
				states[c.S] = true
			}
		}
		if states["done"] && maxStep == 12 {
			break
		}
	}
	if !states["done"] || maxStep != 12 {
		t.Fatalf("got cell states %v and training points up to step %v (%d points); want done and 12 (%v)", states, maxStep, points, sc.Err())
	}
	if points < 2 {
		t.Errorf("got %d training points from the stream, want them to arrive over several messages", points)
	}
}
