package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// TestUsageExitsTwo: every usage error — an unknown command or flag, a bad
// flag value, a wrong argument count — exits with status 2.
func TestUsageExitsTwo(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `unknown command "nosuch" for "sweep"`},
		{[]string{"plna"}, `did you mean "plan"?`},
		{[]string{"bench", "nosuch"}, `unknown command "nosuch" for "sweep bench"`},
		{[]string{"tasks", "nosuch"}, `unknown command "nosuch" for "sweep tasks"`},
		{[]string{"plan"}, "accepts 1 arg(s), received 0"},
		{[]string{"plan", "a.yaml", "b.yaml"}, "accepts 1 arg(s), received 2"},
		{[]string{"run"}, "accepts 1 arg(s), received 0"},
		{[]string{"status", "a.yaml", "b.yaml"}, "accepts at most 1 arg(s), received 2"},
		{[]string{"methods", "extra"}, `unknown command "extra" for "sweep methods"`},
		{[]string{"version", "extra"}, `unknown command "extra" for "sweep version"`},
		{[]string{"completion", "tcsh"}, `unknown command "tcsh" for "sweep completion"`},
		{[]string{"methods", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"status", "--interval", "soon"}, `invalid argument "soon"`},
		{[]string{"methods", "--json=maybe"}, `invalid argument "maybe"`},
		{[]string{"help", "nosuch"}, `unknown help topic "nosuch"`},
		{[]string{"help", "tasks", "nosuch"}, `unknown help topic "tasks nosuch"`},
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
	// A bare `sweep` still shows the help, and succeeds.
	if out, _, code := run(t); code != 0 || !strings.Contains(out, "Available Commands") {
		t.Errorf("sweep: got exit %d, %q; want 0 and the help", code, out)
	}
	if out, _, code := run(t, "help", "plan"); code != 0 || !strings.Contains(out, "sweep plan FILE|-") {
		t.Errorf("help plan: got exit %d, %q; want 0 and plan's help", code, out)
	}
}

func TestVersion(t *testing.T) {
	flag, _, code := run(t, "--version")
	if code != 0 || !strings.HasPrefix(flag, "sweep ") || !strings.Contains(flag, "revision ") {
		t.Fatalf("--version: exit %d, got %q", code, flag)
	}
	cmd, _, _ := run(t, "version")
	if cmd != flag {
		t.Errorf("got version %q, want what --version prints, %q", cmd, flag)
	}
	out, _, _ := run(t, "version", "--json")
	var v buildVersion
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Revision == "" || v.Tags == "" {
		t.Errorf("version --json: %v, got %q", err, out)
	}
}

func TestVersionOf(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"vcs", debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Path: "m", Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "-tags", Value: "sqlite_omit_load_extension"}, {Key: "vcs.revision", Value: "abc123"},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"v1.2.3, revision abc123 (modified) of 2026-11-30T10:00:00Z, build tags sqlite_omit_load_extension, go1.26"},
		// -buildvcs=false: no vcs.* settings at all.
		{"buildvcs=false", debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Path: "m", Version: "(devel)"}},
			"(devel), revision unknown, build tags none, go1.26"},
		{"empty", debug.BuildInfo{}, "unknown, revision unknown, build tags none, "},
	}
	for _, tt := range tests {
		if got := versionOf(&tt.info).String(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSettingsStrict: values from the environment and the settings file
// parse as strictly as flags, list variables split on commas and spaces,
// and SWEEP_SETTINGS names the file.
func TestSettingsStrict(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(good, "model: llama2-7b\nrank: 8\njson: true\ntargets: [q, k, v]\n")
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(bad, "model: llama2-7b\nrnak: 8\njson: yes\nslurm_poll: 5s\n")
	params := []string{"params", "--method", "lora", "--model", "llama2-7b", "--rank", "8", "--json"}
	// LoRA at r=8 on q, k and v of llama2-7b: 3 targets × 32 layers ×
	// 2·4096·8 (the default, q and v, has 4194304).
	const qkv = `"trainable": 6291456`
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"targets with commas", map[string]string{"SWEEP_TARGETS": "q,k,v"}, params, 0, qkv},
		{"targets with spaces", map[string]string{"SWEEP_TARGETS": "q k v"}, params, 0, qkv},
		{"targets with both", map[string]string{"SWEEP_TARGETS": " q, k v "}, params, 0, qkv},
		{"bool 1", map[string]string{"SWEEP_JSON": "1"}, []string{"methods"}, 0, `"name": "lora"`},
		{"bool yes", map[string]string{"SWEEP_JSON": "yes"}, []string{"methods"}, 2, `SWEEP_JSON="yes": want true or false (or 1, 0)`},
		{"bool maybe", map[string]string{"SWEEP_JSON": "maybe"}, []string{"methods"}, 2, `SWEEP_JSON="maybe"`},
		{"int", map[string]string{"SWEEP_RANK": "eight"}, []string{"params", "--method", "lora", "--model", "llama2-7b"}, 2, `SWEEP_RANK="eight": want an integer`},
		{"duration", map[string]string{"SWEEP_INTERVAL": "2"}, []string{"status", "--db", "x.db"}, 2, `SWEEP_INTERVAL="2": want a duration`},
		{"SWEEP_SETTINGS", map[string]string{"SWEEP_SETTINGS": good}, []string{"params", "--method", "lora"}, 0, qkv},
		{"--settings beats SWEEP_SETTINGS", map[string]string{"SWEEP_SETTINGS": bad}, []string{"params", "--method", "lora", "--settings", good}, 0, qkv},
		{"unknown keys with their lines", nil, []string{"methods", "--settings", bad}, 2, bad + `:2:1: unknown setting "rnak"`},
		{"a key of another command is no error", nil, []string{"methods", "--settings", good}, 0, `"name": "lora"`},
		{"missing file", map[string]string{"SWEEP_SETTINGS": filepath.Join(dir, "none.yaml")}, []string{"methods"}, 2, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			out, errOut, code := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("got exit %d, want %d: %s", code, tt.code, errOut)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Errorf("got %q %q, want %q", out, errOut, tt.want)
			}
		})
	}
	// Every bad line of a file at once, with suggestions.
	_, errOut, _ := run(t, "methods", "--settings", bad)
	if !strings.Contains(errOut, `:4:1: unknown setting "slurm_poll" (did you mean "slurm-poll"?)`) {
		t.Errorf("got %q, want slurm_poll on line 4 too", errOut)
	}
	// A good key with a bad value: its line, and the flag's parser.
	typo := filepath.Join(dir, "typo.yaml")
	writeFile(typo, "# settings\njson: yes\n")
	if _, errOut, code := run(t, "methods", "--settings", typo); code != 2 || !strings.Contains(errOut, typo+":2:7: json: want true or false") {
		t.Errorf("got exit %d, %q; want 2 and %s:2:7", code, errOut, typo)
	}
}

func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"__complete", "params", "--method", "tl"}, []string{"tl1\n", "tl6\n", ":4"}, "lora"},
		{[]string{"__complete", "params", "--model", "llama"}, []string{"llama2-7b\n"}, "go-tiny"},
		{[]string{"__complete", "tasks", "show", "syn-s"}, []string{"syn-squad\n"}, "gsm8k"},
		{[]string{"__complete", "plan", ""}, []string{"yaml\nyml\n:8"}, ""},
		{[]string{"__complete", "run", "--executor", ""}, []string{"local\nslurm\n"}, ""},
	}
	for _, tt := range tests {
		out, _, code := run(t, tt.args...)
		if code != 0 {
			t.Errorf("%v: exit %d", tt.args, code)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: got %q, want %q in it", tt.args, out, w)
			}
		}
		if tt.not != "" && strings.Contains(out, tt.not) {
			t.Errorf("%v: got %q, want no %q", tt.args, out, tt.not)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if out, _, code := run(t, "completion", shell); code != 0 || len(out) < 100 {
			t.Errorf("completion %s: exit %d, %d bytes", shell, code, len(out))
		}
	}
}

func TestPlanStdin(t *testing.T) {
	bad, _ := os.ReadFile("../../sweeps/testdata/bad/float-rank.yaml")
	_, errOut, code := runCLI(t, string(bad), "plan", "-")
	if want := "<stdin>:4:12: ranks: want an integer, got 1.5"; code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("got exit %d, %q; want 2 and %q", code, errOut, want)
	}
	demo, _ := os.ReadFile("../../examples/demo.yaml")
	out, _, code := runCLI(t, string(demo), "plan", "-")
	if want := "sweep demo: 30 trials"; code != 0 || !strings.HasPrefix(out, want) {
		t.Errorf("got exit %d, %q; want %q", code, out, want)
	}
}

// TestRunOnlyAndFailed: --only and --failed run a subset, and the summary
// counts that subset.
func TestRunOnlyAndFailed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	ok := filepath.Join(dir, "ok")
	writeFile(file, `name: only
worker:
  kind: command
  command: [sh, -c, 'test "$1" != 3 || test -e "$2"', worker, "{seed}", `+ok+`]
  report: exit-code
executor: {kind: local, slots: 2}
seeds: {from: 1, to: 4}
max_retries: 0
`)
	runs := filepath.Join(dir, "runs")
	out, errOut, code := run(t, "run", file, "--runs", runs, "--only", "seed=1|2")
	if code != 0 || !strings.Contains(out, "2 trials: 2 succeeded, 0 failed, 0 pending") {
		t.Fatalf("--only seed=1|2: exit %d, got %q %q", code, out, errOut)
	}
	out, _, code = run(t, "run", file, "--runs", runs, "--only", "seed=3", "--only", "seed=4")
	if code != 1 || !strings.Contains(out, "2 trials: 1 succeeded, 1 failed") {
		t.Fatalf("--only seed=3 --only seed=4: exit %d, got %q", code, out)
	}
	writeFile(ok, "")
	out, errOut, code = run(t, "run", file, "--runs", runs, "--failed", "--retries", "1")
	if code != 0 || !strings.Contains(out, "1 trials: 1 succeeded, 0 failed") {
		t.Fatalf("--failed: exit %d, got %q %q", code, out, errOut)
	}
	for _, tt := range []struct{ only, want string }{
		{"lr=1", `no axis "lr" (it has seed)`},
		{"seed=9", "no trial has seed=9 (the sweep's values: 1, 2, 3, 4)"},
		{"seed", "want key=value"},
	} {
		if _, errOut, code := run(t, "run", file, "--runs", runs, "--only", tt.only); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("--only %s: got exit %d, %q; want 2 and %q", tt.only, code, errOut, tt.want)
		}
	}
}

// TestStatusWatch: --watch into a pipe never clears the screen, --json
// --watch prints one object per line, and Ctrl-C ends either with 130.
func TestStatusWatch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	writeFile(file, "name: w\nworker: {kind: command, command: [\"true\"], report: exit-code}\n")
	runs := filepath.Join(dir, "runs")
	if _, errOut, code := run(t, "run", file, "--runs", runs); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	self, _ := os.Executable()
	for _, json := range []bool{true, false} {
		args := []string{"status", file, "--runs", runs, "--watch", "--interval", "20ms"}
		marker := "sweep w: 1 trials"
		if json {
			args = append(args, "--json")
			marker = `{"sweep":"w"`
		}
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), "SWEEP_TEST_CLI=1")
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(stdout)
		seen := 0
		for seen < 3 && sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.HasPrefix(sc.Text(), marker) {
				seen++
			}
		}
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() {
			for sc.Scan() {
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		cmd.Wait()
		if got := cmd.ProcessState.ExitCode(); got != 130 {
			t.Errorf("json %v: got exit %d after SIGINT, want 130", json, got)
		}
		if seen < 3 {
			t.Errorf("json %v: got %d refreshes, want 3: %q", json, seen, lines)
		}
		all := strings.Join(lines, "\n")
		if strings.Contains(all, "\033[") {
			t.Errorf("json %v: the screen is cleared into a pipe: %q", json, all)
		}
		if !json {
			continue
		}
		for _, l := range lines {
			var st struct{ Sweep string }
			if err := jsonUnmarshal(l, &st); err != nil || st.Sweep != "w" {
				t.Errorf("line %q: %v, want one status object per line", l, err)
			}
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestRunRecordsVersion: a run's sweep and attempts carry this binary's
// version.
func TestRunRecordsVersion(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	writeFile(file, "name: ver\nworker: {kind: command, command: [\"true\"], report: exit-code}\n")
	db := filepath.Join(dir, "s.db")
	if _, errOut, code := run(t, "run", file, "--db", db); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.Versions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := readVersion().String()
	if v.Sweep != want || len(v.Attempts) != 1 {
		t.Fatalf("got %+v, want the sweep and one attempt at %q", v, want)
	}
	for id, got := range v.Attempts {
		if got != want {
			t.Errorf("attempt %d: got version %q, want %q", id, got, want)
		}
	}
}
