package gotrain

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// corpusLines returns the pretraining documents: every line of every
// training example's prompt and, separately, of its target, shuffled. A
// document never holds both a prompt and its answer (a one-line example
// such as HellaSwag's context and ending is cut at the boundary), and
// shuffling breaks the rest of each question from its answer, so the base
// model learns the corpora's vocabulary and syntax but not the tasks,
// which fine-tuning must teach.
func corpusLines(r Recipe) ([]string, error) {
	var lines []string
	add := func(text string) {
		for _, l := range strings.Split(text, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	for _, name := range r.Tasks {
		ex, err := tasks.Load(tasks.Config{Name: name, Size: r.Size, Seed: r.CorpusSeed}, tasks.Train)
		if err != nil {
			return nil, fmt.Errorf("pretraining corpus: %w", err)
		}
		for _, e := range ex {
			add(e.Prompt)
			add(e.Target)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(r.CorpusSeed), 77))
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return lines, nil
}

// tokenStream encodes documents into one stream, each followed by EOS.
func tokenStream(tok *tokenizer.BPE, docs []string) []int32 {
	var out []int32
	for _, d := range docs {
		out = append(out, tok.Encode(d)...)
		out = append(out, tokenizer.EOS)
	}
	return out
}
