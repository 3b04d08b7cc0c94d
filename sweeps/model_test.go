package sweeps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrialIDsKeptByInit pins trial IDs computed before model.init
// existed: files without it keep their trials, and init: random, which
// only confirms that a pathless model has random weights, keeps the
// trials of the pathless file that used to mean the same. The IDs are
// those since the defaults scale with the run (warmup steps/20 for the go
// worker, steps/10 for torch; patience 0), which every trial here relies
// on.
func TestTrialIDsKeptByInit(t *testing.T) {
	const tail = "tasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"
	tests := []struct {
		text string
		want []string // IDs in plan order
	}{
		{"name: g\nmodel: go-micro\n" + tail, []string{"8f15441dd2b91566"}},
		{"name: g\nmodel: go-micro\nworker: torch\n" + tail, []string{"26c7d17e7aaccf1d"}},
		{"name: g\nmodel: {preset: go-micro, init: random}\nworker: torch\n" + tail, []string{"26c7d17e7aaccf1d"}},
		// The IDs of `model: llama2-7b` with the torch worker, which
		// trained random weights without saying so; tl6's since it starts
		// as the authors' code does (A, B N(0, 1), v at zero).
		{"name: p\nmodel: {preset: llama2-7b, init: random}\nworker: torch\ntasks: [syn-squad]\nmethods: [lora, tl6]\nranks: [8]\n",
			[]string{"c8ad6cfadd7bfd08", "fbba528f312427b5"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tr := range mustParse(t, tt.text).Trials() {
			got = append(got, tr.ID)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: got IDs %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestModelChecks covers the torch worker's model checks that the golden
// files of testdata/bad do not: accepted models, and directories made on
// the fly.
func TestModelChecks(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	llamaTiny := `{"model_type": "llama", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
		"num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 300}`
	tests := []struct {
		name   string
		model  string            // the model line (and more keys) of the file
		worker string            // default torch
		files  map[string]string // made in the sweep's directory
		want   string            // "" for no error, else a part of the one message
	}{
		{name: "checkpoint", model: "model: {path: " + abs("testdata/models/llama-tiny") + "}"},
		{name: "preset and checkpoint", model: "model: {preset: llama2-7b, path: " + abs("testdata/models/llama2-7b") + "}"},
		{name: "gpt2 checkpoint", model: "model: {path: " + abs("testdata/models/gpt2-tiny") + "}\ntargets: [qkv, o, up, down]"},
		{name: "relative path", model: "model: {path: m}", files: map[string]string{"m/config.json": llamaTiny, "m/tokenizer.model": "x"}},
		{name: "built-in preset", model: "model: go-micro"},
		{name: "random on purpose", model: "model: {preset: llama2-13b, init: random}"},
		{name: "command worker", model: "model: llama2-7b", worker: "{kind: command, command: [train]}"},
		{name: "go base", model: "model: {preset: go-micro, path: base}",
			files: map[string]string{"base/model.safetensors": "x", "base/recipe.json": "{}", "base/tokenizer.json": "{}"}},
		{name: "weights file", model: "model: {preset: go-micro, path: w.safetensors}", files: map[string]string{"w.safetensors": "x"}},
		{name: "big config without path", model: "model: {config: " + abs("../trainer/testdata/llama2-7b-config.json") + "}",
			want: "model.config " + abs("../trainer/testdata/llama2-7b-config.json") + " has 6.7 B parameters and no path"},
		{name: "recipe without weights", model: "model: {preset: go-micro, path: base}", files: map[string]string{"base/recipe.json": "{}"},
			want: "model.path base has a Go-trainer recipe.json but no model.safetensors"},
		{name: "weights without shape", model: "model: {path: base}", files: map[string]string{"base/model.safetensors": "x"},
			want: "model.path base holds weights of the built-in model, which carry no shape"},
		{name: "a file", model: "model: {preset: go-micro, path: w.bin}", files: map[string]string{"w.bin": "x"},
			want: "model.path w.bin is a file; want a Hugging Face checkpoint directory"},
		{name: "no model_type", model: "model: {path: m}",
			files: map[string]string{"m/config.json": strings.Replace(llamaTiny, `"model_type": "llama", `, "", 1), "m/tokenizer.json": "{}"},
			want:  "has no model_type, which transformers needs"},
		{name: "vocab without merges", model: "model: {path: m}", files: map[string]string{"m/config.json": llamaTiny, "m/vocab.json": "{}"},
			want: "has no tokenizer: AutoTokenizer needs tokenizer.json, tokenizer.model (SentencePiece) or vocab.json with merges.txt; found only vocab.json"},
		{name: "other head_dim", model: "model: {path: m}",
			files: map[string]string{"m/config.json": strings.Replace(llamaTiny, "{", `{"head_dim": 32, `, 1), "m/tokenizer.json": "{}"},
			want:  "head_dim 32 differs from hidden_size/num_attention_heads = 16; not supported"},
		{name: "bad config.json", model: "model: {path: m}", files: map[string]string{"m/config.json": "{", "m/tokenizer.json": "{}"},
			want: "not a Hugging Face config.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			worker := tt.worker
			if worker == "" {
				worker = "torch"
			}
			text := "name: m\n" + tt.model + "\nworker: " + worker + "\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"
			s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(text))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if len(s.Trials()) != 1 || s.Trials()[0].Params == nil {
					t.Errorf("got %d trials, want one with a parameter count", len(s.Trials()))
				}
				return
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, tt.want) {
				t.Errorf("got %v, want one error containing %q", err, tt.want)
			}
		})
	}
}

// TestModelPathArch: a checkpoint alone gives the shape, so trials are
// counted on it.
func TestModelPathArch(t *testing.T) {
	s, err := Parse("testdata/s.yaml", []byte("name: m\nmodel: {path: models/llama-tiny}\nworker: torch\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := s.Arch; a.Hidden != 64 || a.Layers != 2 || a.KVHeads != 2 || a.FFN != 96 {
		t.Errorf("got arch %+v, want hidden 64, 2 layers, 2 kv heads, ffn 96 from config.json", a)
	}
	// LoRA on the fused QKV at r=2: L·r·(d + d + 2·kv) = 2·2·(64 + 64 + 2·32).
	if got, want := s.Trials()[0].Params.Trainable, int64(2*2*(64+64+2*32)); got != want {
		t.Errorf("got %d trainable, want %d", got, want)
	}
}
