package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeRefuses: bad flags and an address beyond loopback without a
// token are bad input (exit status 2), before anything listens.
func TestServeRefuses(t *testing.T) {
	runs := t.TempDir()
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"all interfaces", []string{"--addr", "0.0.0.0:0"}, "needs a token"},
		{"no host", []string{"--addr", ":0"}, "needs a token"},
		{"a LAN address", []string{"--addr", "192.0.2.1:8321"}, "needs a token"},
		{"token and file", []string{"--token", "a", "--token-file", empty}, "not both"},
		{"empty token file", []string{"--addr", "0.0.0.0:0", "--token-file", empty}, "is empty"},
		{"missing token file", []string{"--token-file", filepath.Join(runs, "nope")}, "--token-file"},
		{"no runs directory", []string{"--runs", filepath.Join(runs, "nope")}, "is not a directory"},
		{"bad interval", []string{"--interval", "0s"}, "--interval"},
	} {
		_, errOut, code := run(t, append([]string{"serve", "--runs", runs}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: got exit %d, %q; want 2 and %q", c.name, code, errOut, c.want)
		}
	}
}

// TestServeProcess runs `sweep serve` as a process: it says where it
// listens, answers there, needs its token beyond the header check, and
// stops on SIGINT with status 130.
func TestServeProcess(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-123\n"), 0o600)
	cmd := exec.Command(self, "serve", "--runs", t.TempDir(), "--addr", "127.0.0.1:0", "--token-file", tokenFile)
	cmd.Env = append(os.Environ(), "SWEEP_TEST_CLI=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.Fields(line)[2], "http://")
	if !ok {
		t.Fatalf("got %q, want serving on http://ADDR/", line)
	}
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer nope", 401}, {"Bearer tok-123", 200}} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("Authorization %q: got %d, want %d", c.auth, resp.StatusCode, c.want)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("got exit %d (%v), want 130 after SIGINT", code, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sweep serve did not stop on SIGINT")
	}
}

// TestBenchServe runs `sweep bench serve` small: no errors, no locked
// database, every run finished trials.
func TestBenchServe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three sweeps")
	}
	out, errOut, code := run(t, "bench", "serve", "--duration", "3s", "--clients", "5", "--page-every", "200ms", "--json", "--dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Requests   int64   `json:"page_requests"`
		Errors     int64   `json:"errors"`
		Locked     int64   `json:"database_is_locked"`
		Events     int64   `json:"stream_events"`
		P99        float64 `json:"p99_ms"`
		Alone      int     `json:"trials_alone"`
		Served     int     `json:"trials_served"`
		AloneAfter int     `json:"trials_alone_after"`
		First      string  `json:"first_error"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Errors != 0 || res.Locked != 0 {
		t.Errorf("got %d errors (%d database is locked; first %q), want none", res.Errors, res.Locked, res.First)
	}
	if res.Requests == 0 || res.Events == 0 || res.P99 <= 0 {
		t.Errorf("got %d requests, %d stream events, p99 %v ms; want some of each", res.Requests, res.Events, res.P99)
	}
	if res.Alone == 0 || res.Served == 0 || res.AloneAfter == 0 {
		t.Errorf("got %d trials alone, %d served, %d alone after; want each above 0", res.Alone, res.Served, res.AloneAfter)
	}
}
