package gotrain

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// TestPretrainBitForBit: the same recipe pretrained with one thread and
// with several gives the same files, byte for byte, which is what lets
// `sweep pretrain --check` rebuild a shipped base anywhere.
func TestPretrainBitForBit(t *testing.T) {
	arch, _ := trainer.Preset("go-micro")
	r := DefaultRecipe(arch, nil)
	r.Steps, r.Size, r.Warmup = 4, 40, 1
	var sums [][]byte
	for _, procs := range []int{1, 3} {
		prev := runtime.GOMAXPROCS(procs)
		dir, err := Pretrain(context.Background(), t.TempDir(), r, nil)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		s, err := os.ReadFile(filepath.Join(dir, sumsFile))
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Errorf("got different bases with 1 and 3 threads:\n%s\n%s", sums[0], sums[1])
	}
}

// TestShippedBasesIntact: every shipped base is whole (its SHA256SUMS
// match its files) and sits under its own recipe's key.
func TestShippedBasesIntact(t *testing.T) {
	entries, err := fs.ReadDir(shipped, "bases")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		sub, err := fs.Sub(shipped, path.Join("bases", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := sumFiles(sub)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fs.ReadFile(sub, sumsFile)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got sums\n%s\nwant (SHA256SUMS)\n%s", e.Name(), got, want)
		}
		data, err := fs.ReadFile(sub, baseRecipe)
		if err != nil {
			t.Fatal(err)
		}
		var r Recipe
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		if r.Key() != e.Name() {
			t.Errorf("%s: its recipe's key is %s", e.Name(), r.Key())
		}
	}
	if n == 0 {
		t.Error("no base ships; the go-deep base should")
	}
}

// TestShippedGoDeep: the default recipe of go-deep has a shipped base, and
// a trial starts from it without pretraining.
func TestShippedGoDeep(t *testing.T) {
	arch, _ := trainer.Preset("go-deep")
	r := DefaultRecipe(arch, nil)
	if !ShippedBase(r.Key()) {
		t.Fatalf("go-deep's default recipe %s has no shipped base", r.Key())
	}
	b, err := LoadOrPretrain(context.Background(), t.TempDir(), r, mm.Default(), nil, func(int, int, float64) {
		t.Fatal("pretraining started: the shipped base was not used")
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.Built || b.Model == nil || b.Tok == nil {
		t.Errorf("got built %v, model %v, tokenizer %v; want the shipped base loaded", b.Built, b.Model != nil, b.Tok != nil)
	}
}
