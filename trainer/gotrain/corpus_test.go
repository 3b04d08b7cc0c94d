package gotrain

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// The base model must not see a prompt joined to its answer, or the frozen
// base already knows the task (a one-line HellaSwag example would teach
// the gold ending outright).
func TestCorpusSeparatesPromptsFromAnswers(t *testing.T) {
	r := Recipe{Tasks: CorpusTasks, Size: 200, CorpusSeed: 3}
	docs, err := corpusLines(r)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, len(docs))
	for _, d := range docs {
		seen[d] = true
	}
	for _, name := range CorpusTasks {
		ex, err := tasks.Load(tasks.Config{Name: name, Size: r.Size, Seed: r.CorpusSeed}, tasks.Train)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ex {
			pl := strings.Split(e.Prompt, "\n")
			last := pl[len(pl)-1]
			first := strings.SplitN(e.Target, "\n", 2)[0]
			if joined := strings.TrimSpace(last + first); seen[joined] {
				t.Fatalf("%s %s: the corpus holds the prompt joined to its answer: %q", name, e.ID, joined)
			}
			if tgt := strings.TrimSpace(first); tgt != "" && !seen[tgt] {
				t.Errorf("%s %s: got no document %q, want every answer line in the corpus on its own", name, e.ID, tgt)
			}
		}
	}
}

// Pretraining takes every core (LoadOrPretrain), so with the pure-Go
// backend its result must not depend on how many there are. (OpenBLAS's
// kernels round differently by block shape, so there it may.)
func TestPretrainSameOnAnyThreadCount(t *testing.T) {
	r := Recipe{Arch: microArch, Tasks: CorpusTasks, Size: 40, CorpusSeed: 3, Steps: 4, Batch: 4, SeqLen: 32, LR: 3e-3, Seed: 1}
	docs, err := corpusLines(r)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Train(docs, r.Arch.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	stream := tokenStream(tok, docs)
	weights := func(procs int) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m, err := model.New[float32](r.Arch, mm.Gonum{}, r.Seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := pretrain(context.Background(), m, stream, r, nil); err != nil {
			t.Fatal(err)
		}
		var out [][]float32
		for _, p := range m.BaseParams() {
			out = append(out, slices.Clone(p.Data))
		}
		return out
	}
	one, four := weights(1), weights(4)
	for i := range one {
		if !slices.Equal(one[i], four[i]) {
			t.Fatalf("tensor %d differs between 1 and 4 threads", i)
		}
	}
}
