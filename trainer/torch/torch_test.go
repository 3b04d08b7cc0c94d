package torch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
)

func TestExtractIsContentAddressed(t *testing.T) {
	cache := t.TempDir()
	dir, err := Extract(cache)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := Hash()
	if got, want := dir, filepath.Join(cache, "torch", key); got != want {
		t.Errorf("got directory %s, want %s", got, want)
	}
	files, names, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 5 {
		t.Fatalf("got %d embedded files, want the whole package", len(names))
	}
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil || string(got) != string(files[n]) {
			t.Errorf("%s: got %d bytes (%v), want the embedded %d", n, len(got), err, len(files[n]))
		}
	}
	again, err := Extract(cache)
	if err != nil || again != dir {
		t.Errorf("second extract: got %s, %v; want %s", again, err, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, Package, "__main__.py")); err != nil {
		t.Errorf("no __main__.py: %v", err)
	}
}

func TestFindPythonNamesWhatItTried(t *testing.T) {
	f := &Finder{}
	missing := filepath.Join(t.TempDir(), "no-such-python")
	_, err := f.Find(context.Background(), missing)
	if !errors.Is(err, ErrNoPython) {
		t.Fatalf("got %v, want ErrNoPython", err)
	}
	for _, want := range []string{"no python3 that can import torch", "tried " + missing + " (not found)", "worker.python"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got error %q, want it to contain %q", err, want)
		}
	}
	// A program that exists but cannot import torch: /bin/false fails the probe.
	_, err = f.Find(context.Background(), "/bin/false")
	if !errors.Is(err, ErrNoPython) || !strings.Contains(err.Error(), "/bin/false (/bin/false:") {
		t.Errorf("got %v, want a failed probe of /bin/false", err)
	}
	// Results are remembered: the same question is not asked twice.
	f.found["/bin/false"] = result{path: "/remembered"}
	if p, err := f.Find(context.Background(), "/bin/false"); p != "/remembered" || err != nil {
		t.Errorf("got %q, %v; want the remembered answer", p, err)
	}
}

func TestWriteExamples(t *testing.T) {
	cache, attempt := t.TempDir(), t.TempDir()
	cfg := tasks.Config{Name: "syn-hellaswag", Size: 40, Seed: 3}
	if err := WriteExamples(cfg, cache, attempt); err != nil {
		t.Fatal(err)
	}
	for _, split := range tasks.Splits() {
		want, err := tasks.Load(cfg, split)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(attempt, ExamplesDir, split+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var got []tasks.Example
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e tasks.Example
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatal(err)
			}
			got = append(got, e)
		}
		f.Close()
		if len(got) != len(want) || got[0].ID != want[0].ID || got[0].Prompt != want[0].Prompt || len(got[0].Choices) != len(want[0].Choices) {
			t.Errorf("%s: got %d examples (first %+v), want %d (first %+v)", split, len(got), got[0], len(want), want[0])
		}
	}
	// A second attempt of the same task links the same cached files.
	other := t.TempDir()
	if err := WriteExamples(cfg, cache, other); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Readlink(filepath.Join(attempt, ExamplesDir))
	b, _ := os.Readlink(filepath.Join(other, ExamplesDir))
	if a == "" || a != b {
		t.Errorf("got links %q and %q, want one cached directory", a, b)
	}
	ents, _ := os.ReadDir(filepath.Join(cache, "examples"))
	if len(ents) != 1 {
		t.Errorf("got %d cached example sets, want 1", len(ents))
	}
}

func TestPrepare(t *testing.T) {
	t.Setenv(PythonEnv, "") // discovery's remembered answer, not the environment's interpreter
	f := &Finder{found: map[string]result{"": {path: "/usr/bin/python3"}}}
	cache := t.TempDir()
	ln, err := Prepare(context.Background(), f, Request{CacheDir: cache, AttemptDir: "/a", SpecPath: "/a/spec.json", PythonPath: "/extra"})
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := Extract(cache)
	if got, want := strings.Join(ln.Argv, " "), "/usr/bin/python3 -m tiedlora_worker --spec /a/spec.json"; got != want {
		t.Errorf("got argv %q, want %q", got, want)
	}
	if got, want := ln.Env[0], "PYTHONPATH="+dir+string(filepath.ListSeparator)+"/extra"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
