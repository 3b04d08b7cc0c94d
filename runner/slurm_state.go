package runner

import (
	"syscall"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// phase is where a Slurm job is, as far as an attempt cares.
type phase int

const (
	phaseQueued  phase = iota // waiting: pending, requeued, suspended, nodes booting
	phaseRunning              // the batch script runs (or is finishing)
	phaseEnded                // a final state: the attempt is over
)

func (p phase) String() string { return [...]string{"queued", "running", "ended"}[p] }

// baseStates are Slurm's job states proper; everything else in job_state
// is a flag.
var baseStates = map[string]phase{
	"PENDING":       phaseQueued,
	"SUSPENDED":     phaseQueued,
	"RUNNING":       phaseRunning,
	"COMPLETED":     phaseEnded,
	"CANCELLED":     phaseEnded,
	"FAILED":        phaseEnded,
	"TIMEOUT":       phaseEnded,
	"NODE_FAIL":     phaseEnded,
	"PREEMPTED":     phaseEnded,
	"BOOT_FAIL":     phaseEnded,
	"DEADLINE":      phaseEnded,
	"OUT_OF_MEMORY": phaseEnded,
}

// flagPhases are flags that decide the phase whatever the base state
// (a requeued job is queued again even while its base state still says
// how the last run ended), or stand in for it: 22.05 writes only the flag,
// as "COMPLETING", when one is set.
var flagPhases = map[string]phase{
	"REQUEUED":      phaseQueued,
	"REQUEUE_FED":   phaseQueued,
	"REQUEUE_HOLD":  phaseQueued,
	"CONFIGURING":   phaseQueued,
	"POWER_UP_NODE": phaseQueued,
	"RESV_DEL_HOLD": phaseQueued,
	"STOPPED":       phaseQueued,
	"COMPLETING":    phaseRunning,
	"SIGNALING":     phaseRunning,
	"STAGE_OUT":     phaseRunning,
	"RESIZING":      phaseRunning,
}

// base is the job's base state, or "" when squeue named only flags.
func (st jobState) base() string {
	for _, s := range st.States {
		if _, ok := baseStates[s]; ok {
			return s
		}
	}
	return ""
}

// phase places a job. Requeue and configuring flags outrank the base
// state; a state this code does not know counts as queued, so that no
// heartbeat runs out on a job that may not have started.
func (st jobState) phase() phase {
	for _, s := range st.States {
		if p, ok := flagPhases[s]; ok && p == phaseQueued {
			return p
		}
	}
	if p, ok := baseStates[st.base()]; ok {
		return p
	}
	for _, s := range st.States {
		if p, ok := flagPhases[s]; ok {
			return p
		}
	}
	return phaseQueued
}

// endings are the final states that decide an attempt's outcome by
// themselves; COMPLETED and FAILED leave it to the worker's exit status
// and events.
var endings = map[string]struct {
	kind   trainer.ErrorKind
	reason string
}{
	"CANCELLED":     {trainer.ErrorKindCancelled, "the Slurm job was cancelled (scancel)"},
	"TIMEOUT":       {trainer.ErrorKindTimeLimit, "Slurm ended the job at its time limit (TIMEOUT)"},
	"DEADLINE":      {trainer.ErrorKindTimeLimit, "Slurm ended the job at its deadline (DEADLINE)"},
	"OUT_OF_MEMORY": {trainer.ErrorKindOOM, "the job ran out of memory (Slurm OUT_OF_MEMORY)"},
	"PREEMPTED":     {trainer.ErrorKindPreempted, "Slurm preempted the job (PREEMPTED)"},
	"NODE_FAIL":     {trainer.ErrorKindNodeFail, "the job's node failed (Slurm NODE_FAIL)"},
	"BOOT_FAIL":     {trainer.ErrorKindNodeFail, "the job's node failed to boot (Slurm BOOT_FAIL)"},
}

// jobExit turns a finished job into an Exit. file is the exit status the
// batch script recorded (nil when it wrote none: killed, or never ran);
// known says whether st is Slurm's final word or only the last state seen
// before the job left the queue.
func jobExit(st jobState, known bool, file *int) Exit {
	var ex Exit
	switch {
	case file != nil:
		ex = Exit{Known: true, Code: *file}
		if *file > 128 && *file < 128+65 { // bash's status for a worker killed by a signal
			ex = Exit{Known: true, Code: -1, Signal: syscall.Signal(*file - 128).String()}
		}
	case known && st.Signal != 0:
		ex = Exit{Known: true, Code: -1, Signal: syscall.Signal(st.Signal).String()}
	case known:
		ex = Exit{Known: true, Code: st.Code}
	}
	if !known {
		if file == nil {
			ex.Kind, ex.Reason = KindLost, "the Slurm job left the queue without a final state or an exit status"
		}
		return ex
	}
	if e, ok := endings[st.base()]; ok {
		ex.Kind, ex.Reason = string(e.kind), e.reason
	}
	return ex
}
