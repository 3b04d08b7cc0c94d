package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
)

func decodeExamples(t *testing.T, out string) []tasks.Example {
	t.Helper()
	var ex []tasks.Example
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e tasks.Example
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ex = append(ex, e)
	}
	return ex
}

func TestTasksList(t *testing.T) {
	out, _, code := run(t, "tasks")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+len(tasks.Names()) {
		t.Fatalf("got %d lines, want a header and %d tasks:\n%s", len(lines), len(tasks.Names()), out)
	}
	for _, want := range []string{"TASK", "hellaswag        hellaswag-jsonl  accuracy  choice    -", "syn-iwslt        parallel-text    bleu      generate  iwslt2017-de-en"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant a line containing %q", out, want)
		}
	}

	out, _, code = run(t, "tasks", "--json")
	var infos []tasks.Info
	if err := json.Unmarshal([]byte(out), &infos); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if len(infos) != len(tasks.Names()) {
		t.Fatalf("got %d tasks, want %d", len(infos), len(tasks.Names()))
	}
	for _, i := range infos {
		want, _ := tasks.Lookup(i.Name)
		if i.Metric != want.Metric || i.Mode != want.Mode || i.Prompt != want.Prompt || i.Format != want.Format {
			t.Errorf("got %+v, want %+v", i, want)
		}
	}
}

func TestTasksShowSynthetic(t *testing.T) {
	out, _, code := run(t, "tasks", "show", "syn-hellaswag", "--limit", "3", "--split", "validation", "--seed", "2", "--size", "40")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	ex := decodeExamples(t, out)
	want, err := tasks.Load(tasks.Config{Name: "syn-hellaswag", Seed: 2, Size: 40}, tasks.Validation)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 3 {
		t.Fatalf("got %d examples, want 3", len(ex))
	}
	for i, e := range ex {
		w := want[i]
		if e.ID != w.ID || e.Prompt != w.Prompt || e.Gold != w.Gold || len(e.Choices) != 4 || e.Target != w.Target {
			t.Errorf("got %+v, want %+v", e, w)
		}
	}
	if !strings.Contains(out, `"gold":`) {
		t.Errorf("got %s, want gold in choice examples", out)
	}
	out, _, _ = run(t, "tasks", "show", "syn-gsm8k", "--limit", "2", "--json")
	if strings.Contains(out, `"gold"`) || strings.Contains(out, `\u003c`) || len(decodeExamples(t, out)) != 2 {
		t.Errorf("got %s, want two generation examples without gold", out)
	}
}

func TestTasksShowData(t *testing.T) {
	fixture := filepath.Join("..", "..", "tasks", "testdata", "squad", "dev-mini.json")
	out, _, code := run(t, "tasks", "show", "squad", "--data", fixture, "--split", "test", "--limit", "0")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	ex := decodeExamples(t, out)
	if len(ex) != 5 || ex[0].ID != "56be4db0acb8001400a502ec" || len(ex[0].References) != 3 {
		t.Errorf("got %+v, want the 5 questions of the fixture", ex)
	}
	out, _, _ = run(t, "tasks", "show", "squad", "--data", fixture, "--prompt", "{question}{answer}", "--limit", "1")
	if e := decodeExamples(t, out); len(e) != 1 || e[0].Prompt != "Which team won Super Bowl 50?" || e[0].Target != "Denver Broncos" {
		t.Errorf("got %s, want the custom prompt", out)
	}
}

func TestTasksShowBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"tasks", "show", "gsm8k", "--data", bad}, bad + `:2: missing "answer"`},
		{[]string{"tasks", "show", "nope"}, `unknown task "nope"`},
		{[]string{"tasks", "show", "squad"}, "squad reads its data from files: pass --data PATH (or try syn-squad)"},
		{[]string{"tasks", "show", "iwslt2017-de-en"}, "(or try syn-iwslt)"},
		{[]string{"tasks", "show", "gsm8k", "--data", filepath.Join(dir, "none.jsonl")}, "no such file"},
		{[]string{"tasks", "show", "syn-squad", "--split", "dev"}, `unknown split "dev"`},
		{[]string{"tasks", "show", "syn-squad", "--difficulty", "7"}, "difficulty: must be between 1 and 3, got 7"},
		{[]string{"tasks", "show", "syn-squad", "--limit", "-1"}, "--limit: must be 0 (all) or more"},
		{[]string{"tasks", "show", "syn-squad", "--prompt", "{context}"}, "the template must end with the target field {answer}"},
		{[]string{"tasks", "show", "syn-squad", "--limit", "x"}, "invalid argument"},
		{[]string{"tasks", "generate", "squad", "--out", dir}, "squad is not a synthetic task"},
		{[]string{"tasks", "generate", "syn-squad"}, "--out DIR is required"},
		{[]string{"tasks", "generate", "syn-squad", "--out", dir, "--size", "-5"}, "size: must be between 1 and"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got exit %d, %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestTasksGenerate(t *testing.T) {
	for _, name := range []string{"syn-squad", "syn-dialogsum", "syn-hellaswag", "syn-iwslt", "syn-gsm8k"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out, errOut, code := run(t, "tasks", "generate", name, "--out", dir, "--seed", "9", "--size", "25")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			g, err := tasks.Synthesize(tasks.Config{Name: name, Seed: 9, Size: 25})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range g.Files {
				got, err := os.ReadFile(filepath.Join(dir, f.Name))
				if err != nil || !bytes.Equal(got, f.Data) {
					t.Errorf("%s: got %d bytes (%v), want the %d generated", f.Name, len(got), err, len(f.Data))
				}
			}
			if !strings.Contains(out, "sweep file entry:") || !strings.Contains(out, "- name: "+name) {
				t.Errorf("got\n%s\nwant the sweep file entry", out)
			}
			// The written test file, shown with --data, is the in-memory test split.
			mem, _, _ := run(t, "tasks", "show", name, "--split", "test", "--seed", "9", "--size", "25", "--limit", "0")
			disk, _, code := run(t, "tasks", "show", name, "--split", "test", "--data", filepath.Join(dir, g.Data[tasks.Test]), "--limit", "0")
			if code != 0 || mem != disk || len(decodeExamples(t, disk)) != 25 {
				t.Errorf("exit %d; got from disk\n%s\nwant\n%s", code, disk, mem)
			}
		})
	}
}
