package runner

import (
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func TestSlurmPhase(t *testing.T) {
	tests := []struct {
		states []string
		want   phase
	}{
		{[]string{"PENDING"}, phaseQueued},
		{[]string{"SUSPENDED"}, phaseQueued},
		{[]string{"RUNNING"}, phaseRunning},
		{[]string{"COMPLETING"}, phaseRunning}, // 22.05 names only the flag
		{[]string{"RUNNING", "COMPLETING"}, phaseRunning},
		{[]string{"CONFIGURING"}, phaseQueued},
		{[]string{"RUNNING", "CONFIGURING"}, phaseQueued}, // nodes still booting
		{[]string{"PENDING", "REQUEUED"}, phaseQueued},
		{[]string{"REQUEUED"}, phaseQueued},
		{[]string{"FAILED", "REQUEUED"}, phaseQueued}, // about to run again
		{[]string{"COMPLETED"}, phaseEnded},
		{[]string{"CANCELLED", "COMPLETING"}, phaseEnded},
		{[]string{"NODE_FAIL"}, phaseEnded},
		{[]string{"SOMETHING_NEW"}, phaseQueued},
		{nil, phaseQueued},
	}
	for _, tt := range tests {
		if got := (jobState{States: tt.states}).phase(); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.states, got, tt.want)
		}
	}
}

// TestSlurmStateMapping: each way a job ends, through jobExit and the
// runner's judge, gives the attempt status, error kind, trial state and
// retry decision the retry policy expects.
func TestSlurmStateMapping(t *testing.T) {
	code := func(n int) *int { return &n }
	r := &Runner{opt: Options{HeartbeatTimeout: time.Minute}}
	dir := t.TempDir()
	tests := []struct {
		name   string
		state  string
		known  bool // squeue or sacct gave the final state
		file   *int // the batch script's exit_code file
		done   string
		events bool // the worker speaks the protocol
		status string
		kind   string
		trial  string
		retry  bool
	}{
		{"completed", "COMPLETED", true, code(0), trainer.StatusOK, true, results.AttemptSucceeded, "", results.TrialSucceeded, false},
		{"completed, exit file not seen", "COMPLETED", true, nil, trainer.StatusOK, true, results.AttemptSucceeded, "", results.TrialSucceeded, false},
		{"completed without done", "COMPLETED", true, code(0), "", true, results.AttemptFailed, KindProtocol, results.TrialFailed, true},
		{"exit-code worker", "COMPLETED", true, code(0), "", false, results.AttemptSucceeded, "", results.TrialSucceeded, false},
		{"failed", "FAILED", true, code(3), "", true, results.AttemptFailed, KindCrash, results.TrialFailed, true},
		{"worker killed", "FAILED", true, code(137), "", true, results.AttemptFailed, KindSignal, results.TrialFailed, true},
		{"cancelled", "CANCELLED", true, nil, "", true, results.AttemptCancelled, KindCancelled, results.TrialCancelled, false},
		{"cancelled after TERM", "CANCELLED", true, code(143), "", true, results.AttemptCancelled, KindCancelled, results.TrialCancelled, false},
		{"timeout", "TIMEOUT", true, nil, "", true, results.AttemptFailed, KindTimeLimit, results.TrialFailed, true},
		{"timeout after done ok", "TIMEOUT", true, nil, trainer.StatusOK, true, results.AttemptSucceeded, "", results.TrialSucceeded, false},
		{"deadline", "DEADLINE", true, nil, "", true, results.AttemptFailed, KindTimeLimit, results.TrialFailed, true},
		{"out of memory", "OUT_OF_MEMORY", true, nil, "", true, results.AttemptFailed, KindOOM, results.TrialFailed, true},
		{"preempted", "PREEMPTED", true, nil, "", true, results.AttemptFailed, KindPreempted, results.TrialFailed, true},
		{"node failed", "NODE_FAIL", true, nil, "", true, results.AttemptFailed, KindNodeFail, results.TrialFailed, true},
		{"boot failed", "BOOT_FAIL", true, nil, "", true, results.AttemptFailed, KindNodeFail, results.TrialFailed, true},
		{"forgotten, done ok", "", false, nil, trainer.StatusOK, true, results.AttemptSucceeded, "", results.TrialSucceeded, false},
		{"forgotten, exit file 2", "", false, code(2), "", true, results.AttemptFailed, KindCrash, results.TrialFailed, true},
		{"forgotten, nothing", "", false, nil, "", true, results.AttemptFailed, KindLost, results.TrialFailed, true},
	}
	for _, tt := range tests {
		ex := jobExit(jobState{States: []string{tt.state}}, tt.known, tt.file)
		f := r.judge(ex, &ingester{done: tt.done}, "", dir, tt.events, 0)
		retry := f.Status == results.AttemptFailed && retryable(f.ErrorKind)
		if f.Status != tt.status || f.ErrorKind != tt.kind || f.TrialState != tt.trial || retry != tt.retry {
			t.Errorf("%s: got %s/%q, trial %s, retry %v; want %s/%q, trial %s, retry %v (error %q)",
				tt.name, f.Status, f.ErrorKind, f.TrialState, retry, tt.status, tt.kind, tt.trial, tt.retry, f.Error)
		}
	}
}

// TestSlurmStopOutranksState: a job this run stopped ends CANCELLED in
// Slurm, but the attempt keeps the runner's reason.
func TestSlurmStopOutranksState(t *testing.T) {
	r := &Runner{opt: Options{HeartbeatTimeout: time.Minute}}
	ex := jobExit(jobState{States: []string{"CANCELLED"}}, true, nil)
	f := r.judge(ex, &ingester{}, KindTimeout, t.TempDir(), true, 0)
	if f.Status != results.AttemptFailed || f.ErrorKind != KindTimeout {
		t.Errorf("got %s/%s, want failed/%s", f.Status, f.ErrorKind, KindTimeout)
	}
}
