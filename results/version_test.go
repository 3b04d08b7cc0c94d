package results

import (
	"context"
	"testing"
)

// TestVersionsRecorded: the sweep and each attempt carry the version set
// when they were made; a later version marks only later attempts.
func TestVersionsRecorded(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SetVersion(ctx, "v1.0.0, revision abc"); err != nil {
		t.Fatal(err)
	}
	first := newAttempt(t, s)
	if err := s.SetVersion(ctx, "v1.1.0, revision def"); err != nil {
		t.Fatal(err)
	}
	second, err := s.StartAttempt(ctx, "t1", "local", "cpu0", func(int) string { return t.TempDir() })
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sweep != "v1.0.0, revision abc" {
		t.Errorf("got sweep version %q, want v1.0.0, revision abc", got.Sweep)
	}
	if v := got.Attempts[first.ID]; v != "v1.0.0, revision abc" {
		t.Errorf("got first attempt's version %q, want v1.0.0, revision abc", v)
	}
	if v := got.Attempts[second.ID]; v != "v1.1.0, revision def" {
		t.Errorf("got second attempt's version %q, want v1.1.0, revision def", v)
	}
}
