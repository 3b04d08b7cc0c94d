package runner

import "testing"

// TestRetryable: failures that would repeat identically are not retried.
func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		kind string
		want bool
	}{
		{KindCrash, true}, {KindSignal, true}, {KindTimeout, true}, {KindTimeLimit, true},
		{KindOOM, true}, {KindLost, true}, {KindPreempted, true}, {KindNodeFail, true},
		{KindStart, false}, {KindCancelled, false}, {KindConfig, false},
	} {
		if got := retryable(c.kind); got != c.want {
			t.Errorf("retryable(%q): got %v, want %v", c.kind, got, c.want)
		}
	}
}
