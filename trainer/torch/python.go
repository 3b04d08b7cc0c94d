package torch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Candidates are the interpreters tried, in order, when the sweep names
// none (worker.python) and PythonEnv is unset: the first python3 on PATH
// (often a pyenv or venv one without torch), Debian's /usr/bin/python3
// (where python3-torch installs), and python.
var Candidates = []string{"python3", "/usr/bin/python3", "python"}

// PythonEnv names the interpreter used when the sweep names none, instead
// of discovery: e.g. the .venv that `scripts/deps torch` makes, with
// transformers for Hugging Face models (TIEDLORA_PYTHON=$PWD/.venv/bin/python).
const PythonEnv = "TIEDLORA_PYTHON"

// probeTimeout bounds one `import torch` (a cold import takes seconds).
const probeTimeout = 2 * time.Minute

// ErrNoPython is wrapped by FindPython's error when no candidate imports
// torch.
var ErrNoPython = errors.New("no python3 that can import torch")

// Finder finds and remembers the interpreter, so a run probes each
// candidate once however many attempts it starts.
type Finder struct {
	mu    sync.Mutex
	found map[string]result // by the explicit interpreter ("" for discovery)
}

type result struct {
	path string
	err  error
}

// DefaultFinder is shared by the attempts of one process.
var DefaultFinder = &Finder{}

// Find returns explicit when it is set and imports torch; else $PythonEnv
// when that is set and imports torch; else the first candidate that does.
// The error lists what was tried and why each failed.
func (f *Finder) Find(ctx context.Context, explicit string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := explicit // results are remembered by where the interpreter came from
	hint := "install PyTorch (Debian: apt-get install python3-torch libopenblas0-pthread) or set worker.python"
	if explicit == "" && os.Getenv(PythonEnv) != "" {
		explicit = os.Getenv(PythonEnv)
		key = "$" + PythonEnv + "=" + explicit
		hint = fmt.Sprintf("it is $%s; fix or unset it, or set worker.python", PythonEnv)
	}
	if r, ok := f.found[key]; ok {
		return r.path, r.err
	}
	if f.found == nil {
		f.found = map[string]result{}
	}
	cands := Candidates
	if explicit != "" {
		cands = []string{explicit}
	}
	var tried []string
	r := result{}
	for _, c := range cands {
		p, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (not found)", c))
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if why := probe(ctx, p); why != "" {
			tried = append(tried, fmt.Sprintf("%s (%s: %s)", c, p, why))
			continue
		}
		r.path = p
		break
	}
	if r.path == "" {
		r.err = fmt.Errorf("%w: tried %s; %s", ErrNoPython, strings.Join(tried, ", "), hint)
	}
	f.found[key] = r
	return r.path, r.err
}

// probe runs `python -c "import torch"` and returns why it failed ("" when
// it worked): the last line of its stderr, e.g. ModuleNotFoundError.
func probe(ctx context.Context, python string) string {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", "import torch")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
			if i := strings.Index(last, ":"); i > 0 && strings.HasSuffix(last[:i], "Error") {
				return last[:i] // ModuleNotFoundError, ImportError, …
			}
			return last
		}
		return err.Error()
	}
	return ""
}
