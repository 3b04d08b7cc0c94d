package runner

import (
	"regexp"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Error kinds of a failed attempt, as the runner's code spells them:
// trainer.ErrorKind owns the list, what each means and the retry policy.
// These are plain strings because results.Finish stores a string.
const (
	KindCrash     = string(trainer.ErrorKindCrash)
	KindSignal    = string(trainer.ErrorKindSignal)
	KindTimeout   = string(trainer.ErrorKindTimeout)
	KindTimeLimit = string(trainer.ErrorKindTimeLimit)
	KindOOM       = string(trainer.ErrorKindOOM)
	KindProtocol  = string(trainer.ErrorKindProtocol)
	KindStart     = string(trainer.ErrorKindStart)
	KindLost      = string(trainer.ErrorKindLost)
	KindCancelled = string(trainer.ErrorKindCancelled)
	KindPreempted = string(trainer.ErrorKindPreempted)
	KindNodeFail  = string(trainer.ErrorKindNodeFail)
	KindConfig    = string(trainer.ErrorKindConfig)
	KindPruned    = string(trainer.ErrorKindPruned)
)

// retryable says whether a failure of this kind is worth another attempt.
func retryable(kind string) bool { return trainer.ErrorKind(kind).Retryable() }

// oomPattern recognises out-of-memory failures in a worker's stderr:
// PyTorch's CUDA and CPU allocators, Python's MemoryError, Go's runtime,
// and the C library's.
var oomPattern = regexp.MustCompile(`(?i)(CUDA out of memory|OutOfMemoryError|MemoryError|out of memory|cannot allocate memory|std::bad_alloc)`)
