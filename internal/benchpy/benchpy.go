package benchpy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	torchworker "github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

// Candidates returns the interpreters to try, in order: explicit when set
// (and nothing else), else $TIEDLORA_PYTHON, the .venv/bin/python of the
// project that holds the working directory, and the torch worker's
// candidates (python3, /usr/bin/python3, python).
func Candidates(explicit string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	var out []string
	if p := os.Getenv("TIEDLORA_PYTHON"); p != "" {
		out = append(out, p)
	}
	if p := projectVenv(); p != "" {
		out = append(out, p)
	}
	return append(out, torchworker.Candidates...)
}

// projectVenv is <root>/.venv/bin/python for the nearest directory above
// the working directory with a go.mod and that file, or "".
func projectVenv() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".venv", "bin", "python")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// Find returns the first candidate that imports every module, or an error
// that lists what was tried and why each one failed.
func Find(ctx context.Context, explicit string, modules ...string) (string, error) {
	var tried []string
	seen := map[string]bool{}
	for _, c := range Candidates(explicit) {
		p, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, c+" (not found)")
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		if why := probe(ctx, p, modules); why != "" {
			tried = append(tried, fmt.Sprintf("%s (%s)", p, why))
			continue
		}
		return p, nil
	}
	return "", fmt.Errorf("no Python that imports %s: tried %s; scripts/deps test makes .venv with them, or set TIEDLORA_PYTHON",
		strings.Join(modules, ", "), strings.Join(tried, ", "))
}

// probe imports the modules and returns the last line of the error ("" when
// they all import), e.g. "ModuleNotFoundError: No module named 'optuna'".
func probe(ctx context.Context, python string, modules []string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // a cold `import torch` takes seconds
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", "import "+strings.Join(modules, ", "))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
			return last
		}
		return err.Error()
	}
	return ""
}
