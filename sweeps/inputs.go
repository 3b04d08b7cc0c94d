package sweeps

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// checkInputs finds at plan time what would otherwise fail only when a
// worker starts (and be retried): a rank above the width it adapts, a NUL
// byte in the command or environment, an environment name no shell or
// program can use.
func (l *loader) checkInputs() {
	l.checkRanks()
	l.checkCommandBytes()
}

// checkRanks refuses ranks above the smallest width of the adapted
// projections: such a rank adds parameters and nothing else.
func (l *loader) checkRanks() {
	s := l.s
	if !s.HasModel() {
		return
	}
	targets := s.File.Targets
	if targets == nil {
		targets = trainer.DefaultTargets
	}
	for i, v := range s.File.Ranks.Values {
		r, ok := v.(int64)
		if !ok {
			continue // intAxis reports it
		}
		for _, t := range targets {
			din, dout, err := s.Arch.TargetShape(t)
			if err != nil {
				continue // the model check reports it
			}
			if w := int64(min(din, dout)); r > w {
				l.errAt(l.valuePath("ranks", s.File.Ranks.item(i)), "ranks: %d exceeds the adapted width %d of %s (%d×%d) on this model", r, w, t, din, dout)
				break
			}
		}
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (l *loader) checkCommandBytes() {
	w := l.s.File.Worker
	for i, arg := range w.Command {
		if strings.IndexByte(arg, 0) >= 0 {
			l.errAt(indexPath("worker.command", i), "worker.command[%d] holds a NUL byte, which no program argument can", i)
		}
	}
	names := make([]string, 0, len(w.Env))
	for k := range w.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		at := joinPath("worker.env", k)
		switch {
		case !envName.MatchString(k):
			l.errAt(at+"#key", "worker.env: %q is not an environment variable name (letters, digits and _, not starting with a digit)", k)
		case strings.IndexByte(w.Env[k], 0) >= 0:
			l.errAt(at, "worker.env.%s holds a NUL byte, which no environment value can", k)
		}
	}
}

// CheckData finds each task's data files (relative to the sweep file)
// missing or unreadable. `sweep run` calls it before anything is written,
// so a missing file is bad input rather than attempts that fail and are
// retried; `sweep plan` does not, as a sweep may be planned where its
// data is not.
func (s *Sweep) CheckData() error {
	var errs []error
	for _, t := range s.File.Tasks {
		splits := make([]string, 0, len(t.Config.Data))
		for split := range t.Config.Data {
			splits = append(splits, split)
		}
		sort.Strings(splits)
		for _, split := range splits {
			path := s.ResolvePath(t.Config.Data[split])
			f, err := os.Open(path)
			if err == nil {
				var st os.FileInfo
				if st, err = f.Stat(); err == nil && st.IsDir() {
					err = fmt.Errorf("%s is a directory, want a file", path)
				}
				f.Close()
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: task %s: data.%s: %w", s.Path, t.Name, split, err))
			}
		}
	}
	return errors.Join(errs...)
}
