package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// ashaSweep is a group of four fake trials with known curves (validation
// loss quality + 10/step, so quality 1 is best at every step), rungs at
// 10 and 30 of 90 steps, η = 3, one slot so that they arrive in file order.
func ashaSweep(t *testing.T, dir, rule string) string {
	file := fakeSweep(t, dir, `hparams:
  mode: curve
  quality: [1, 2, 3, 4]
  steps: 90
  eval_every: 10
early_stop: `+rule+"\n", "curve")
	text, _ := os.ReadFile(file)
	// fakeSweep's own hparams block is replaced by the one above, and its
	// short heartbeat timeout (for the fault tests) by one that a loaded
	// machine cannot reach between two steps.
	text = []byte(strings.Replace(string(text), "hparams:\n  mode: [\"curve\"]\n", "", 1))
	text = []byte(strings.Replace(string(text), "heartbeat_timeout: 1s", "heartbeat_timeout: 1m", 1))
	if err := os.WriteFile(file, text, 0o644); err != nil {
		t.Fatal(err)
	}
	return oneSlot(t, file)
}

type trialOutcome struct {
	state    string
	attempts []string // statuses in order
	resumed  []string // each attempt's resumed-from step ("" when fresh)
	errors   []string
}

// outcomes reads each trial's state and attempts by its quality.
func outcomes(t *testing.T, db string) map[int]trialOutcome {
	t.Helper()
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT json_extract(t.hparams, '$.quality'), t.state, a.status, coalesce(a.error, ''), a.dir
		FROM trials t JOIN attempts a ON a.trial = t.id ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]trialOutcome{}
	for rows.Next() {
		var q int
		var state, status, msg, dir string
		if err := rows.Scan(&q, &state, &status, &msg, &dir); err != nil {
			t.Fatal(err)
		}
		o := out[q]
		o.state = state
		o.attempts = append(o.attempts, status)
		o.errors = append(o.errors, msg)
		b, _ := os.ReadFile(filepath.Join(dir, "resumed-from"))
		o.resumed = append(o.resumed, string(b))
		out[q] = o
	}
	return out
}

// decisionsByQuality lists the stored decisions as "quality action@step".
func decisionsByQuality(t *testing.T, db string) []string {
	t.Helper()
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT json_extract(t.hparams, '$.quality'), e.action, e.step
		FROM early_stops e JOIN trials t ON t.id = e.trial ORDER BY 1, e.step, e.action`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q, step int
		var action string
		rows.Scan(&q, &action, &step)
		out = append(out, strconv.Itoa(q)+" "+action+"@"+strconv.Itoa(step))
	}
	return out
}

// wantASHA is the run of ashaSweep: 1, 2 and 3 pause at rung 10 (alone, or
// not among the best ⌊n/3⌋); 1 is promoted once three have reported; 4
// pauses; 1 pauses alone at rung 30 and, the group idle with nothing
// finished, is promoted to finish. Every resume starts from the step the
// paused attempt reached.
var wantDecisions = []string{
	"1 promote@10", "1 stop@10", "1 promote@30", "1 stop@30",
	"2 stop@10", "3 stop@10", "4 stop@10",
}

func checkASHA(t *testing.T, db string) {
	t.Helper()
	got := outcomes(t, db)
	want := map[int][]string{
		1: {results.AttemptPruned, results.AttemptPruned, results.AttemptSucceeded},
		2: {results.AttemptPruned}, 3: {results.AttemptPruned}, 4: {results.AttemptPruned},
	}
	for q, w := range want {
		// A kill may leave an extra interrupted attempt; none may succeed
		// twice or be lost.
		var kept []string
		for _, s := range got[q].attempts {
			if s != results.AttemptInterrupted {
				kept = append(kept, s)
			}
		}
		if !slices.Equal(kept, w) {
			t.Errorf("quality %d: got attempts %v (%q), want %v", q, got[q].attempts, got[q].errors, w)
		}
	}
	if s := got[1].state; s != results.TrialSucceeded {
		t.Errorf("quality 1: got state %s, want succeeded", s)
	}
	for _, q := range []int{2, 3, 4} {
		if s := got[q].state; s != results.TrialPruned {
			t.Errorf("quality %d: got state %s, want pruned", q, s)
		}
	}
	// The promoted trial resumed from its checkpoint each time: past rung
	// 10, then past rung 30.
	r := got[1].resumed
	if len(r) < 3 || r[0] != "" {
		t.Fatalf("quality 1 resumed from %q, want a fresh start then two checkpoints", r)
	}
	last := 0
	for _, s := range r[1:] {
		n, err := strconv.Atoi(s)
		if err != nil || n < last {
			t.Fatalf("quality 1 resumed from %q: want increasing checkpoint steps", r)
		}
		last = n
	}
	if first, _ := strconv.Atoi(r[1]); first < 10 {
		t.Errorf("quality 1's second attempt resumed from step %d, want the step it reached past rung 10", first)
	}
	if d := decisionsByQuality(t, db); !slices.Equal(d, wantDecisions) {
		t.Errorf("decisions: got %v, want %v", d, wantDecisions)
	}
}

// TestASHARun: the fake trials' rungs promote the right trials, a pruned
// trial is resumed from its checkpoint when promoted, and the summary
// counts the pruned.
func TestASHARun(t *testing.T) {
	dir := t.TempDir()
	file := ashaSweep(t, dir, "{kind: asha, min_steps: 10, reduction: 3, group_by: []}")
	db := filepath.Join(dir, "sweep.db")
	sum := runSweep(t, file, db)
	if sum.Succeeded != 1 || sum.Pruned != 3 || sum.Failed != 0 {
		t.Errorf("summary: got %+v, want 1 succeeded, 3 pruned", sum)
	}
	checkASHA(t, db)
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := st.StepsTrained(context.Background())
	st.Close()
	// The winner's 90 steps once (its resumes lose nothing), and the
	// three others' steps to a little past rung 10.
	if err != nil || steps < 90+3*10 || steps > 90+3*30 {
		t.Errorf("steps trained: got %d (%v), want 90 + 3 × (10 to 30)", steps, err)
	}
	// A second run has nothing to do: pruned trials stay pruned.
	again := runSweep(t, file, db)
	if again.Succeeded != 1 || again.Pruned != 3 {
		t.Errorf("second run: got %+v", again)
	}
	if d := decisionsByQuality(t, db); !slices.Equal(d, wantDecisions) {
		t.Errorf("decisions after a second run: got %v, want %v", d, wantDecisions)
	}
	// Without the rule, the pruned trials resume from their checkpoints
	// and finish: the full grid.
	text, _ := os.ReadFile(file)
	text = []byte(strings.Replace(string(text), "early_stop: {kind: asha, min_steps: 10, reduction: 3, group_by: []}\n", "", 1))
	if err := os.WriteFile(file, text, 0o644); err != nil {
		t.Fatal(err)
	}
	if full := runSweep(t, file, db); full.Succeeded != 4 || full.Pruned != 0 {
		t.Errorf("run without early_stop: got %+v, want 4 succeeded", full)
	}
	got := outcomes(t, db)
	for _, q := range []int{2, 3, 4} {
		o := got[q]
		if n := len(o.resumed); n != 2 || o.resumed[1] == "" || o.attempts[1] != results.AttemptSucceeded {
			t.Errorf("quality %d without early_stop: attempts %v resumed from %q, want a second attempt resumed from its checkpoint", q, o.attempts, o.resumed)
		}
	}
}

// TestASHAKilledOrchestrator: an orchestrator killed (SIGKILL) after its
// k-th decision and run again ends as an uninterrupted run does: nothing
// lost, no trial finished twice, no decision taken twice.
func TestASHAKilledOrchestrator(t *testing.T) {
	for _, k := range []int{1, 3, 5} {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			dir := t.TempDir()
			file := ashaSweep(t, dir, "{kind: asha, min_steps: 10, reduction: 3, group_by: []}")
			db := filepath.Join(dir, "sweep.db")
			cmd, stderr := orchestrator(t, file, db)
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			deadline := time.Now().Add(time.Minute)
			for len(decisionsOrNil(db)) < k {
				select {
				case <-exited:
					t.Fatalf("the orchestrator ended before decision %d: %s", k, stderr)
				case <-time.After(5 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatal("no decisions")
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			runSweep(t, file, db)
			checkASHA(t, db)
		})
	}
}

// decisionsOrNil counts stored decisions, nil while the database is not
// readable yet.
func decisionsOrNil(db string) []results.Decision {
	st, err := results.OpenReader(db)
	if err != nil {
		return nil
	}
	defer st.Close()
	d, _ := st.Decisions(context.Background())
	return d
}

// TestMedianRun: with the median rule, a trial worse than the median of
// the others at a step stops there; the better ones run to the end.
func TestMedianRun(t *testing.T) {
	dir := t.TempDir()
	file := ashaSweep(t, dir, "{kind: median, min_steps: 20, min_trials: 2, group_by: []}")
	db := filepath.Join(dir, "sweep.db")
	runSweep(t, file, db)
	got := outcomes(t, db)
	// 1 and 2 run alone or against one; 3 and 4 are worse than the
	// median of the others at step 20.
	for q, want := range map[int]string{1: results.TrialSucceeded, 2: results.TrialSucceeded, 3: results.TrialPruned, 4: results.TrialPruned} {
		if got[q].state != want {
			t.Errorf("quality %d: got %s (%v), want %s", q, got[q].state, got[q].attempts, want)
		}
	}
	if d := decisionsByQuality(t, db); !slices.Equal(d, []string{"3 stop@20", "4 stop@20"}) {
		t.Errorf("decisions: got %v", d)
	}
}
