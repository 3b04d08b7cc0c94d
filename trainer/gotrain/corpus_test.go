package gotrain

import (
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
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
