package torch

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// pythonOrSkip returns a python that imports torch, or skips the test
// with the reason (CI installs Debian's python3-torch: see .ci/run).
func pythonOrSkip(t *testing.T) string {
	t.Helper()
	p, err := DefaultFinder.Find(context.Background(), os.Getenv("TIEDLORA_PYTHON"))
	if errors.Is(err, ErrNoPython) {
		testenv.Skipf(t, "skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFindPythonFromEnv: with no worker.python, $TIEDLORA_PYTHON is the
// interpreter, and its failure says where it came from.
func TestFindPythonFromEnv(t *testing.T) {
	py := pythonOrSkip(t)
	t.Setenv(PythonEnv, py)
	if got, err := (&Finder{}).Find(context.Background(), ""); err != nil || got != py {
		t.Errorf("got %q, %v; want %s from $%s", got, err, py, PythonEnv)
	}
	missing := filepath.Join(t.TempDir(), "no-such-python")
	t.Setenv(PythonEnv, missing)
	_, err := (&Finder{}).Find(context.Background(), "")
	if !errors.Is(err, ErrNoPython) {
		t.Fatalf("got %v, want ErrNoPython", err)
	}
	for _, want := range []string{"tried " + missing + " (not found)", "it is $" + PythonEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got error %q, want it to contain %q", err, want)
		}
	}
	// worker.python wins over the environment.
	if got, err := (&Finder{}).Find(context.Background(), py); err != nil || got != py {
		t.Errorf("got %q, %v; want worker.python %s", got, err, py)
	}
}

// pythonEnv is the environment of a Python process run on this
// directory's sources, on one torch thread: the models are tiny, and on a
// shared two-core machine a second thread costs more than it brings.
func pythonEnv(extra ...string) []string {
	return append(os.Environ(), append([]string{"PYTHONPATH=" + mustAbs(".") + string(filepath.ListSeparator) + mustAbs("tests"),
		"OMP_NUM_THREADS=1", "PYTHONDONTWRITEBYTECODE=1"}, extra...)...)
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

// TestPythonSuite runs the worker's own tests (tests/test_*.py) with
// pytest when the interpreter has it, else with unittest.
func TestPythonSuite(t *testing.T) {
	py := pythonOrSkip(t)
	args := []string{"-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"}
	if exec.Command(py, "-c", "import pytest").Run() != nil {
		args = []string{"-m", "unittest", "discover", "-s", "tests", "-t", "tests"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Env = pythonEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", py, strings.Join(args, " "), err, out)
	}
	t.Logf("%s %s:\n%s", py, strings.Join(args, " "), lastLines(string(out), 5))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
