package runner

import (
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestRetryable: failures that would repeat identically are not retried,
// and every kind the runner records is one of trainer's.
func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		kind string
		want bool
	}{
		{KindCrash, true}, {KindSignal, true}, {KindTimeout, true}, {KindTimeLimit, true},
		{KindOOM, true}, {KindLost, true}, {KindPreempted, true}, {KindNodeFail, true}, {KindProtocol, true},
		{KindStart, false}, {KindCancelled, false}, {KindConfig, false},
	} {
		if got := retryable(c.kind); got != c.want {
			t.Errorf("retryable(%q): got %v, want %v", c.kind, got, c.want)
		}
		if !trainer.ErrorKind(c.kind).Known() {
			t.Errorf("%q: got a kind trainer does not list, want one of %q", c.kind, trainer.ErrorKinds())
		}
	}
}
