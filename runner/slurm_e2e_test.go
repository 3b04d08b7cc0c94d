package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// needSlurm skips a test unless a Slurm cluster answers (CI starts the
// one-node cluster of scripts/slurm-local).
func needSlurm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		testenv.Skipf(t, "sbatch is not on PATH: no Slurm cluster here (scripts/slurm-local up starts one)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%T").CombinedOutput(); err != nil || !bytes.Contains(out, []byte("idle")) && !bytes.Contains(out, []byte("mix")) {
		testenv.Skipf(t, "the Slurm cluster does not answer or has no node up (sinfo: %v: %s)", err, bytes.TrimSpace(out))
	}
}

// TestSlurmEndToEnd runs nine trials through real sbatch jobs, two at a
// time: one fails and is retried, one is cancelled with scancel (as
// sweep cancel does) while it runs. The database must agree with squeue
// and with the events files.
func TestSlurmEndToEnd(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	self, _ := os.Executable()
	text := `name: slurm-e2e
worker:
  kind: command
  command: [` + string(mustJSON(self)) + `, "{mode}"]
  report: events
  heartbeat_timeout: 60s
  env: {RUNNER_FAKE_WORKER: "1"}
executor:
  kind: slurm
  max_queued: 2
  cpus_per_task: 1
  time: "10:00"
  setup: ["export FROM_SETUP='set up'"]
hparams:
  mode: [ok, flaky, hang, a, b, c, d, e, f]
max_retries: 1
`
	file := filepath.Join(dir, "sweep.yaml")
	os.WriteFile(file, []byte(text), 0o644)
	db := filepath.Join(dir, "sweep.db")
	s, err := sweeps.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sl, err := NewSlurm(s.File.Executor, s.File.Name, dir)
	if err != nil {
		t.Fatal(err)
	}
	sl.Poll, sl.Log = 200*time.Millisecond, t.Logf
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Cancel the hanging trial once it runs beside others.
	cancelled := make(chan string, 1)
	go func() {
		for ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			var job, adir string
			var others int
			testenv.DB(t, st.Path()).QueryRow(`SELECT coalesce(a.job_id, ''), a.dir FROM attempts a JOIN trials t ON t.id = a.trial
				WHERE json_extract(t.hparams, '$.mode') = 'hang'`).Scan(&job, &adir)
			testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM attempts WHERE status = 'succeeded'`).Scan(&others)
			if b, _ := os.ReadFile(eventsPath(adir)); job == "" || !bytes.Contains(b, []byte(`"start"`)) || others < 3 {
				continue
			}
			if err := CancelJobs(ctx, []string{job}); err != nil {
				t.Errorf("cancelling job %s: %v", job, err)
			}
			cancelled <- job
			return
		}
	}()
	began := time.Now()
	sum, err := New(s, st, Options{RunDir: dir, Executor: sl, Self: self, Grace: 2 * time.Second, Poll: 100 * time.Millisecond}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("9 trials on Slurm in %s", time.Since(began).Round(time.Millisecond))
	if sum.Trials != 9 || sum.Succeeded != 8 || sum.Cancelled != 1 {
		t.Errorf("got %+v, want 9 trials: 8 succeeded, 1 cancelled", sum)
	}
	select {
	case <-cancelled:
	default:
		t.Fatal("the hanging trial was never cancelled")
	}
	got := attemptsByMode(t, db)
	for mode, want := range map[string]string{"ok": "succeeded", "flaky": "failed succeeded", "hang": "cancelled", "a": "succeeded", "f": "succeeded"} {
		var statuses []string
		for _, r := range got[mode] {
			statuses = append(statuses, r.status)
		}
		if s := strings.Join(statuses, " "); s != want {
			t.Errorf("%s: got attempts %q, want %q", mode, s, want)
		}
	}
	checkAgainstSlurm(t, st)
}

// checkAgainstSlurm compares every attempt with what squeue says of its
// job and what its events file says, and counts jobs running at once.
func checkAgainstSlurm(t *testing.T, st *results.Store) {
	t.Helper()
	out, err := exec.Command("squeue", "--json", "--me").Output()
	if err != nil {
		t.Fatalf("squeue: %v", err)
	}
	states, err := parseSqueue(out)
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := st.Attempts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantState := map[string]string{results.AttemptSucceeded: "COMPLETED", results.AttemptFailed: "FAILED", results.AttemptCancelled: "CANCELLED"}
	type span struct{ from, to time.Time }
	var spans []span
	for _, a := range attempts {
		js, ok := states[a.JobID]
		switch {
		case a.JobID == "":
			t.Errorf("attempt %d of %s: no job ID stored", a.Number, a.Trial)
			continue
		case !ok:
			t.Errorf("attempt %d of %s: squeue does not know job %s", a.Number, a.Trial, a.JobID)
			continue
		case js.base() != wantState[a.Status]:
			t.Errorf("attempt %d of %s (%s): squeue says job %s is %v", a.Number, a.Trial, a.Status, a.JobID, js.States)
		}
		events, _ := os.ReadFile(eventsPath(a.Dir))
		hasDone := bytes.Contains(events, []byte(`"event":"done","status":"ok"`))
		if hasDone != (a.Status == results.AttemptSucceeded) {
			t.Errorf("attempt %d of %s (%s): done ok in events: %v", a.Number, a.Trial, a.Status, hasDone)
		}
		var start struct {
			T time.Time `json:"t"`
		}
		line, _, _ := bytes.Cut(events, []byte("\n"))
		json.Unmarshal(line, &start)
		fi, err := os.Stat(filepath.Join(a.Dir, exitCodeFile))
		if err != nil || start.T.IsZero() {
			t.Errorf("attempt %d of %s: no start event or exit file (%v)", a.Number, a.Trial, err)
			continue
		}
		spans = append(spans, span{start.T, fi.ModTime()})
	}
	// The most jobs whose workers ran at the same moment.
	type edge struct {
		at time.Time
		d  int
	}
	var edges []edge
	for _, s := range spans {
		edges = append(edges, edge{s.from, 1}, edge{s.to, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].d < edges[j].d
		}
		return edges[i].at.Before(edges[j].at)
	})
	most, n := 0, 0
	for _, e := range edges {
		n += e.d
		most = max(most, n)
	}
	if most != 2 {
		t.Errorf("got at most %d workers running at once, want 2 (max_queued)", most)
	}
}
