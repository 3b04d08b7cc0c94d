package trainer

// ErrorKind classifies a failed attempt. It is stored and shown with the
// error, and decides whether the trial is retried. A worker may name its
// own failure's kind in `done failed` (error_kind); the runner names the
// rest from how the worker ended.
type ErrorKind string

// The error kinds. The strings are stored in results databases and sent
// by workers, so they never change.
const (
	ErrorKindCrash       ErrorKind = "crash"       // non-zero exit
	ErrorKindSignal      ErrorKind = "signal"      // killed by a signal the runner did not send
	ErrorKindTimeout     ErrorKind = "timeout"     // no event for the heartbeat timeout
	ErrorKindTimeLimit   ErrorKind = "time-limit"  // ran past the per-attempt wall-time limit
	ErrorKindOOM         ErrorKind = "oom"         // out of memory, from stderr or the worker
	ErrorKindProtocol    ErrorKind = "protocol"    // broke the worker protocol: exit 0 without `done ok`
	ErrorKindStart       ErrorKind = "start"       // the process could not be started
	ErrorKindLost        ErrorKind = "lost"        // an adopted process vanished without `done`
	ErrorKindCancelled   ErrorKind = "cancelled"   // stopped by the user
	ErrorKindPreempted   ErrorKind = "preempted"   // a batch system preempted the job
	ErrorKindNodeFail    ErrorKind = "node-fail"   // the job's node failed or did not boot
	ErrorKindInterrupted ErrorKind = "interrupted" // the orchestrator stopped while the attempt ran
	ErrorKindPruned      ErrorKind = "pruned"      // the sweep's early-stopping rule stopped it: not a failure
	// ErrorKindConfig is a failure of the spec or its inputs (a model
	// directory, a tokenizer, targets, a data file, the protocol version):
	// another attempt would fail the same way.
	ErrorKindConfig ErrorKind = "config"
)

// errorKinds is every kind, with whether a worker may send it itself.
var errorKinds = []struct {
	kind   ErrorKind
	worker bool
}{
	{ErrorKindCrash, false}, {ErrorKindSignal, false}, {ErrorKindTimeout, false},
	{ErrorKindTimeLimit, false}, {ErrorKindOOM, true}, {ErrorKindProtocol, false},
	{ErrorKindStart, false}, {ErrorKindLost, false}, {ErrorKindCancelled, false},
	{ErrorKindPreempted, false}, {ErrorKindNodeFail, false}, {ErrorKindInterrupted, false},
	{ErrorKindConfig, true}, {ErrorKindPruned, false},
}

// ErrorKinds lists every error kind.
func ErrorKinds() []ErrorKind {
	out := make([]ErrorKind, len(errorKinds))
	for i, k := range errorKinds {
		out[i] = k.kind
	}
	return out
}

// WorkerErrorKinds lists the kinds the built-in workers send in
// `done failed`; the Python worker declares the same list (errors.py).
func WorkerErrorKinds() []ErrorKind {
	var out []ErrorKind
	for _, k := range errorKinds {
		if k.worker {
			out = append(out, k.kind)
		}
	}
	return out
}

// Known reports whether k is one of ErrorKinds. A command worker may send
// a kind of its own, which is stored as it is.
func (k ErrorKind) Known() bool {
	for _, e := range errorKinds {
		if e.kind == k {
			return true
		}
	}
	return false
}

// Retryable says whether a failure of this kind is worth another attempt:
// a program that cannot start will not start next time either, a worker
// that cannot act on its spec fails the same way again, and what the user
// cancelled stays cancelled. A pruned attempt did not fail: its rule
// decides whether it resumes.
func (k ErrorKind) Retryable() bool {
	return k != ErrorKindStart && k != ErrorKindCancelled && k != ErrorKindConfig && k != ErrorKindPruned
}
