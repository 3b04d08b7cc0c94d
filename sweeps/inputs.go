package sweeps

import (
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
				l.errAt(l.valuePath("ranks", i), "ranks: %d exceeds the adapted width %d of %s (%d×%d) on this model", r, w, t, din, dout)
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
