package plots

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// BenchmarkReport2000 writes the whole report (every format, PNG
// included) of a 2,000-trial sweep; the goal is under 5 s.
func BenchmarkReport2000(b *testing.B) {
	if n := fixture.Large.Trials(); n != 2000 {
		b.Fatalf("got a %d-trial fixture, want 2000", n)
	}
	s := writeFixture(b, fixture.Large)
	out := filepath.Join(b.TempDir(), "report")
	for b.Loop() {
		if _, err := loadWrite(context.Background(), s, out, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
