package plots

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// BenchmarkReport2000 writes the whole report (every format, PNG
// included) of a 2,000-trial sweep; the goal is under 5 s.
func BenchmarkReport2000(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	path := filepath.Join(dir, "sweep.db")
	if n := fixture.Large.Trials(); n != 2000 {
		b.Fatalf("got a %d-trial fixture, want 2000", n)
	}
	if err := fixture.Write(ctx, path, fixture.Large); err != nil {
		b.Fatal(err)
	}
	s, err := results.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out := filepath.Join(dir, "report")
	for b.Loop() {
		if _, err := loadWrite(ctx, s, out, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
