//go:build unix

package gotrain

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// A trial that finds the base's lock taken says it is waiting, once.
func TestLoadOrPretrainSaysWhenWaiting(t *testing.T) {
	cache := t.TempDir()
	r := Recipe{Arch: microArch, Tasks: CorpusTasks, Size: 40, CorpusSeed: 3, Steps: 4, Batch: 4, SeqLen: 32, LR: 3e-3, Seed: 1}
	if err := os.MkdirAll(filepath.Join(cache, "base"), 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockFile(context.Background(), filepath.Join(cache, "base", r.Key()+".lock"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	waits := 0
	_, err = LoadOrPretrain(ctx, cache, r, mm.Gonum{}, func() { waits++ }, nil)
	if !errors.Is(err, context.DeadlineExceeded) || waits != 1 {
		t.Errorf("got error %v and %d waiting calls, want the deadline and 1", err, waits)
	}
}
