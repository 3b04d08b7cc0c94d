package sweeps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckInputs: what would fail only when a worker starts is found at
// plan time, each at its place in the file.
func TestCheckInputs(t *testing.T) {
	text := "name: a\nmodel: go-tiny\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2, 128, 129]\n" +
		"worker:\n  kind: command\n  command: [sh, \"a\\0b\"]\n  env: {\"1BAD\": x, \"OK\": \"v\\0w\", GOOD_1: y}\n"
	_, err := Parse("a.yaml", []byte(text))
	if err == nil {
		t.Fatal("got no error")
	}
	got := err.Error()
	for _, want := range []string{
		"a.yaml:5:17: ranks: 129 exceeds the adapted width 128 of qkv",
		"a.yaml:8:17: worker.command[1] holds a NUL byte",
		`a.yaml:9:9: worker.env: "1BAD" is not an environment variable name`,
		"a.yaml:9:26: worker.env.OK holds a NUL byte",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("got\n%s\nwant a line containing %q", got, want)
		}
	}
	if strings.Contains(got, "128 exceeds") || strings.Contains(got, "GOOD_1") {
		t.Errorf("got\n%s\nwant rank 128 and GOOD_1 accepted", got)
	}
}

// TestCheckData: a task's missing or unreadable data file is named, with
// the sweep file, before a run starts.
func TestCheckData(t *testing.T) {
	dir := t.TempDir()
	text := "name: d\ntasks:\n  - name: mine\n    data: {train: there.jsonl, test: gone.jsonl, validation: sub}\n" +
		"worker: {kind: command, command: [\"true\"], report: exit-code}\n"
	os.WriteFile(filepath.Join(dir, "there.jsonl"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	path := filepath.Join(dir, "d.yaml")
	os.WriteFile(path, []byte(text), 0o644)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.CheckData()
	if err == nil {
		t.Fatal("got no error")
	}
	got := err.Error()
	for _, want := range []string{"task mine: data.test: open " + filepath.Join(dir, "gone.jsonl") + ": no such file", "data.validation: " + filepath.Join(dir, "sub") + " is a directory"} {
		if !strings.Contains(got, want) {
			t.Errorf("got %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "there.jsonl") {
		t.Errorf("got %q, want the file that is there accepted", got)
	}
}
