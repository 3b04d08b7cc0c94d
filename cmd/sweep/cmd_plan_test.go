package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanAndRunCheckTheModel: a large model without weights and a
// checkpoint directory that is not there stop both plan and run with the
// place in the file (exit status 2), and run writes nothing.
func TestPlanAndRunCheckTheModel(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"../../sweeps/testdata/bad/model-big-no-path.yaml", "model-big-no-path.yaml:2:1: model llama2-7b has 6.7 B parameters and no path"},
		{"../../sweeps/testdata/bad/model-path-no-tokenizer.yaml", "model-path-no-tokenizer.yaml:2:9: model.path ../models/no-tokenizer has no tokenizer"},
	}
	if _, err := os.Stat("/models/Llama-2-7b-hf"); err != nil {
		tests = append(tests, struct{ file, want string }{"../../examples/paper-llama2-7b.yaml", "paper-llama2-7b.yaml:17:3: model.path /models/Llama-2-7b-hf does not exist"})
	}
	for _, tt := range tests {
		_, errOut, code := run(t, "plan", tt.file)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("plan %s: got exit %d, %q; want exit 2 and %q", tt.file, code, errOut, tt.want)
		}
		runs := t.TempDir()
		_, errOut, code = run(t, "run", tt.file, "--runs", runs)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("run %s: got exit %d, %q; want exit 2 and %q", tt.file, code, errOut, tt.want)
		}
		if entries, _ := os.ReadDir(runs); len(entries) > 0 {
			t.Errorf("run %s wrote %s, want nothing", tt.file, filepath.Join(runs, entries[0].Name()))
		}
	}
}

// TestPlanCheckpoint plans a torch sweep on a Hugging Face checkpoint
// directory: the shape, and so the counts, come from its config.json.
func TestPlanCheckpoint(t *testing.T) {
	dir := t.TempDir()
	model, err := filepath.Abs("../../sweeps/testdata/models/llama-tiny")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.yaml")
	if err := writeFile(file, "name: s\nmodel: {path: "+model+"}\nworker: torch\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "plan", file)
	// LoRA on the fused QKV at r=2: L·r·(d + d + 2·kv) = 2·2·(64+64+64) = 768.
	if code != 0 || !strings.Contains(out, "d=64, L=2, 4 heads (2 kv)") || !strings.Contains(out, " 768 ") {
		t.Errorf("exit %d, got\n%s%s\nwant the checkpoint's shape (d=64, L=2, 4 heads, 2 kv) and 768 trainable", code, out, errOut)
	}
}
