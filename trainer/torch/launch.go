package torch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
)

// Request is what starting one torch attempt needs.
type Request struct {
	// Python is worker.python; empty means discovery (Candidates).
	Python string
	// CacheDir is the spec's cache_dir; empty means the user cache dir.
	CacheDir   string
	AttemptDir string
	SpecPath   string
	// PythonPath is appended after the package's directory (the sweep's
	// worker.env PYTHONPATH, or this process's).
	PythonPath string
}

// Launch is the worker's command line and the environment it adds.
type Launch struct {
	Argv []string
	Env  []string
}

// Prepare finds the interpreter, extracts the package and returns how to
// start `python -m tiedlora_worker --spec SPEC`. The task's examples are
// written by WriteExamples.
func Prepare(ctx context.Context, f *Finder, r Request) (Launch, error) {
	if r.AttemptDir == "" || r.SpecPath == "" {
		return Launch{}, errors.New("torch worker: no attempt directory or spec")
	}
	python, pp, err := f.locate(ctx, r.Python, r.CacheDir, r.PythonPath)
	if err != nil {
		return Launch{}, err
	}
	return Launch{
		Argv: []string{python, "-m", Package, "--spec", r.SpecPath},
		// Unbuffered: a traceback reaches stderr.log even when the worker is killed.
		Env: []string{"PYTHONPATH=" + pp, "PYTHONUNBUFFERED=1"},
	}, nil
}

// PythonPathFrom is the PYTHONPATH a worker should keep: the sweep's
// worker.env value when it sets one, else this process's.
func PythonPathFrom(workerEnv map[string]string) string {
	if v, ok := workerEnv["PYTHONPATH"]; ok {
		return v
	}
	return os.Getenv("PYTHONPATH")
}

// locate finds the interpreter and extracts the package into the cache;
// it returns the interpreter and the PYTHONPATH that puts the package
// first, before pythonPath (the caller's own, kept).
func (f *Finder) locate(ctx context.Context, python, cacheDir, pythonPath string) (string, string, error) {
	python, err := f.Find(ctx, python)
	if err != nil {
		return "", "", err
	}
	cache, err := CacheDir(cacheDir)
	if err != nil {
		return "", "", err
	}
	pp, err := Extract(cache)
	if err != nil {
		return "", "", err
	}
	if pythonPath != "" {
		pp += string(filepath.ListSeparator) + pythonPath
	}
	return python, pp, nil
}
