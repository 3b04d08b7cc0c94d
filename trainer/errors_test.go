package trainer

import "testing"

// TestErrorKinds: the wire strings, which are stored and sent by workers,
// and the retry policy.
func TestErrorKinds(t *testing.T) {
	want := map[ErrorKind]bool{ // kind → retryable
		"crash": true, "signal": true, "timeout": true, "time-limit": true, "oom": true,
		"protocol": true, "lost": true, "preempted": true, "node-fail": true, "interrupted": true,
		"start": false, "cancelled": false, "config": false, "pruned": false,
	}
	kinds := ErrorKinds()
	if len(kinds) != len(want) {
		t.Errorf("got %d kinds %q, want %d", len(kinds), kinds, len(want))
	}
	for _, k := range kinds {
		retry, ok := want[k]
		if !ok {
			t.Errorf("got kind %q, want it in the test's list", k)
			continue
		}
		if got := k.Retryable(); got != retry {
			t.Errorf("%s.Retryable(): got %v, want %v", k, got, retry)
		}
		if !k.Known() {
			t.Errorf("%s.Known(): got false, want true", k)
		}
	}
	if ErrorKind("worker-own").Known() {
		t.Errorf(`"worker-own".Known(): got true, want false`)
	}
	for _, k := range WorkerErrorKinds() {
		if !k.Known() {
			t.Errorf("worker kind %q: got unknown, want one of ErrorKinds", k)
		}
	}
}
