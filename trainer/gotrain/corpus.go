package gotrain

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// corpusLines returns the pretraining documents: every line of every
// training example (prompt and answer) of the recipe's tasks, shuffled.
// Shuffling lines across examples teaches the corpora's vocabulary and
// syntax but breaks each question from its answer, so the base model
// learns the language and not the tasks, which fine-tuning must teach.
func corpusLines(r Recipe) ([]string, error) {
	var lines []string
	for _, name := range r.Tasks {
		ex, err := tasks.Load(tasks.Config{Name: name, Size: r.Size, Seed: r.CorpusSeed}, tasks.Train)
		if err != nil {
			return nil, fmt.Errorf("pretraining corpus: %w", err)
		}
		for _, e := range ex {
			for _, l := range strings.Split(e.Text(), "\n") {
				if strings.TrimSpace(l) != "" {
					lines = append(lines, l)
				}
			}
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
