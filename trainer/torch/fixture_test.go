package torch

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

var update = flag.Bool("update", false, "rewrite testdata/counts.json")

// countCase is one line of testdata/counts.json, which the Python tests
// read: a method, a rank and targets on an arch, and the analytic count
// the worker's `params` event must equal.
type countCase struct {
	Arch    trainer.Arch   `json:"arch"`
	Method  trainer.Method `json:"method"`
	Rank    int            `json:"rank"`
	Targets []string       `json:"targets"`
	Count   trainer.Count  `json:"count"`
}

// fixtureArchs are the two layouts of the built-in model: the Go
// trainer's GPT and a LLaMA shape with grouped-query attention.
func fixtureArchs(t *testing.T) []trainer.Arch {
	micro, ok := trainer.Preset("go-micro")
	if !ok {
		t.Fatal("no go-micro preset")
	}
	llama := trainer.Arch{Name: "llama-gqa-tiny", Vocab: 300, Hidden: 64, Layers: 3, Heads: 4, KVHeads: 2, FFN: 96,
		Context: 128, MLP: trainer.MLPSwiGLU, Norm: trainer.RMSNorm, Positions: trainer.RoPE}
	return []trainer.Arch{micro, llama}
}

func countCases(t *testing.T) []countCase {
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	methods := cat.Methods()
	seen := map[string]bool{}
	for _, m := range methods {
		seen[m.Pattern()] = true
	}
	for _, m := range cat.AllTied() { // every valid all-tied pattern the catalogue does not name
		if !seen[m.Pattern()] {
			methods = append(methods, m)
		}
	}
	var out []countCase
	for _, a := range fixtureArchs(t) {
		all := []string{"q", "k", "v", "o", "up", "down"}
		if a.MLP == trainer.MLPSwiGLU {
			all = append(all, "gate")
		}
		for _, targets := range [][]string{{"qkv"}, all} {
			for _, m := range methods {
				for _, r := range []int{1, 2, 4, 8} {
					c, err := trainer.CountParams(a, m, r, targets)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, countCase{Arch: a, Method: m, Rank: r, Targets: targets, Count: c})
				}
			}
		}
	}
	return out
}

// TestCountsFixture keeps testdata/counts.json equal to what the Go
// planner counts today (go test -run TestCountsFixture -update rewrites
// it).
func TestCountsFixture(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, c := range countCases(t) {
		line, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(line)
	}
	buf.WriteString("\n]\n")
	got := buf.Bytes()
	path := filepath.Join("testdata", "counts.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./trainer/torch -run TestCountsFixture -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("testdata/counts.json is stale: got %d bytes from trainer.CountParams, want the file's %d; rerun with -update", len(got), len(want))
	}
}
