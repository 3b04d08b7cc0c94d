package runner

import (
	"regexp"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Error kinds of a failed attempt. They decide whether to retry and are
// stored and shown with the error.
const (
	KindCrash     = "crash"                 // non-zero exit
	KindSignal    = "signal"                // killed by a signal we did not send
	KindTimeout   = "timeout"               // no event for the heartbeat timeout
	KindTimeLimit = "time-limit"            // ran past the per-attempt wall-time limit
	KindOOM       = "oom"                   // out of memory, recognised from stderr or the worker
	KindProtocol  = "protocol"              // exit 0 without `done ok`, or `done failed` with exit 0
	KindStart     = "start"                 // the process could not be started
	KindLost      = "lost"                  // an adopted process vanished without `done`
	KindCancelled = "cancelled"             // stopped by the user
	KindPreempted = "preempted"             // a batch system preempted the job
	KindNodeFail  = "node-fail"             // the job's node failed or did not boot
	KindConfig    = trainer.ErrorKindConfig // the worker cannot act on its spec: model, tokenizer, targets, data
)

// retryable says whether a failure of this kind is worth another attempt.
// A program that cannot start will not start next time either, and a
// worker that cannot act on its spec (a model directory without a
// tokenizer, targets that match no module) fails the same way again.
func retryable(kind string) bool {
	return kind != KindStart && kind != KindCancelled && kind != KindConfig
}

// oomPattern recognises out-of-memory failures in a worker's stderr:
// PyTorch's CUDA and CPU allocators, Python's MemoryError, Go's runtime,
// and the C library's.
var oomPattern = regexp.MustCompile(`(?i)(CUDA out of memory|OutOfMemoryError|MemoryError|out of memory|cannot allocate memory|std::bad_alloc)`)
