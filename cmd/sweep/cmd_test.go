package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// run executes the CLI in-process and returns stdout, stderr and the exit
// status main would use.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	err := root.Execute()
	code := 0
	if err != nil {
		code = exitCode(err)
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

func TestParamsJSON(t *testing.T) {
	out, _, code := run(t, "params", "--model", "llama2-7b", "--method", "tl6", "--rank", "8", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Trainable     int64            `json:"trainable"`
		ByComponent   map[string]int64 `json:"by_component"`
		PercentOfLoRA float64          `json:"percent_of_lora"`
		BaseParams    int64            `json:"base_params"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Trainable != 524544 || got.PercentOfLoRA != 12.51 || got.BaseParams != 6738415616 {
		t.Errorf("got trainable %d, %v %% of LoRA, base %d; want 524544, 12.51, 6738415616", got.Trainable, got.PercentOfLoRA, got.BaseParams)
	}
	if got.ByComponent["v"] != 393216 {
		t.Errorf("got v %d, want 393216", got.ByComponent["v"])
	}
}

func TestParamsHFConfig(t *testing.T) {
	out, _, code := run(t, "params", "--config", "../../trainer/testdata/llama2-7b-config.json", "--method", "lora", "--rank", "8")
	if code != 0 || !strings.Contains(out, "4,194,304") {
		t.Errorf("exit %d, got\n%s\nwant LoRA's 4,194,304", code, out)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"params", "--model", "llama2-7b", "--method", "tl9", "--rank", "8"}, `unknown method "tl9"`},
		{[]string{"params", "--model", "llama3", "--method", "lora", "--rank", "8"}, `unknown model "llama3"`},
		{[]string{"params", "--model", "llama2-7b", "--method", "lora", "--rank", "0"}, "rank must be positive"},
		{[]string{"params", "--model", "llama2-7b", "--method", "lora", "--rank", "x"}, `invalid argument "x"`},
		{[]string{"params", "--model", "llama2-7b", "--method", "lora", "--rank", "4503599627370496"}, "exceeds the adapted width 4096"},
		{[]string{"plan", "../../sweeps/testdata/bad/float-rank.yaml"}, "float-rank.yaml:4:12: ranks: want an integer, got 1.5"},
		{[]string{"plan", "no-such-file.yaml"}, "no such file"},
		{[]string{"plan", "testdata"}, "is a directory"},
		{[]string{"plan", "testdata/bad-slurm-time.yaml"}, `executor.time "soon": want minutes, HH:MM:SS or D-HH:MM:SS`},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, tt.args...)
		if code != 2 {
			t.Errorf("%v: got exit %d, want 2", tt.args, code)
		}
		if !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got %q, want it to contain %q", tt.args, errOut, tt.want)
		}
	}
}

func TestPlanDemo(t *testing.T) {
	out, _, code := run(t, "plan", "../../examples/demo.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"sweep demo: 30 trials", "by method: base 6, lora 6, tl5 6, tl6 6, vera 6"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = run(t, "plan", "../../examples/demo.yaml", "--json")
	var p struct {
		Trials []struct {
			ID     string `json:"id"`
			Params struct {
				Trainable int64 `json:"trainable"`
			} `json:"params"`
		} `json:"trials"`
		Totals struct {
			Trials int `json:"trials"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Totals.Trials != 30 || len(p.Trials) != 30 || p.Trials[len(p.Trials)-1].Params.Trainable == 0 || len(p.Trials[0].ID) != 16 {
		t.Errorf("got %d trials (%d listed), first %+v, last %+v", p.Totals.Trials, len(p.Trials), p.Trials[0], p.Trials[len(p.Trials)-1])
	}
}

func TestMethodsJSON(t *testing.T) {
	out, _, code := run(t, "methods", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var rows []struct {
		Name, Status, Formula string
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 17 || rows[6].Name != "tl6" || rows[6].Formula != "4dr + L(r+3d)" || rows[6].Status != "verified" {
		t.Errorf("got %+v", rows)
	}
}

// TestSettingsFromEnv: flags > SWEEP_* environment > settings file.
func TestSettingsFromEnv(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/settings.yaml"
	if err := writeFile(file, "model: gpt-2b-001\nrank: 128\n"); err != nil {
		t.Fatal(err)
	}
	out, _, _ := run(t, "params", "--settings", file, "--method", "lora", "--json")
	if !strings.Contains(out, `"trainable": 25165824`) {
		t.Errorf("the settings file gives gpt-2b-001 at r=128; got %s", out)
	}
	t.Setenv("SWEEP_RANK", "8")
	t.Setenv("SWEEP_MODEL", "llama2-7b")
	out, _, code := run(t, "params", "--method", "lora", "--json")
	if code != 0 || !strings.Contains(out, `"trainable": 4194304`) {
		t.Errorf("exit %d, got %s", code, out)
	}
	out, _, _ = run(t, "params", "--method", "lora", "--rank", "2", "--json")
	if !strings.Contains(out, `"trainable": 1048576`) {
		t.Errorf("a flag must beat the environment; got %s", out)
	}
	out, _, _ = run(t, "params", "--settings", file, "--method", "lora", "--json")
	// The environment (llama2-7b, r=8) beats the file.
	if !strings.Contains(out, `"trainable": 4194304`) {
		t.Errorf("the environment must beat the settings file; got %s", out)
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }
