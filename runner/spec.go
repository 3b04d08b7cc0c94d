package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	torchworker "github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

const timeFormat = time.RFC3339Nano

func nowString() string { return time.Now().UTC().Format(timeFormat) }

// buildSpec resolves a trial into the spec a worker reads.
func buildSpec(s *sweeps.Sweep, t *sweeps.Trial, attempt int, dir, cacheDir, resumeFrom string) *trainer.Spec {
	spec := &trainer.Spec{
		Protocol:   trainer.ProtocolVersion,
		Sweep:      s.File.Name,
		Trial:      t.ID,
		Attempt:    attempt,
		Method:     t.Method,
		Rank:       t.Rank,
		Seed:       t.Seed,
		HParams:    map[string]any{},
		Params:     t.Params,
		AttemptDir: dir,
		ResumeFrom: resumeFrom,
		CacheDir:   cacheDir,
	}
	for _, h := range t.HParams {
		spec.HParams[h.Name] = h.Value
	}
	if t.Task != nil {
		ts := trainer.TaskSpec(*t.Task)
		if len(t.Task.Data) > 0 {
			ts.Data = map[string]string{}
			for split, p := range t.Task.Data {
				ts.Data[split] = absPath(s.ResolvePath(p))
			}
		}
		if info, ok := tasks.Lookup(t.Task.Name); ok {
			ts.Metric, ts.Mode = info.Metric, string(info.Mode)
		}
		spec.Task = &ts
	}
	if s.HasModel() {
		m := s.File.Model
		spec.Model = &trainer.ModelSpec{Arch: s.Arch, Preset: m.Preset, Config: absPath(s.ResolvePath(m.Config)), Path: absPath(s.ResolvePath(m.Path))}
		spec.Targets = s.File.Targets
	}
	return spec
}

func absPath(p string) string {
	if p == "" {
		return ""
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// writeSpec writes spec.json into a new attempt directory. A crash while
// writing costs nothing: the attempt never started, and the next one gets
// a directory of its own.
func writeSpec(path string, spec *trainer.Spec) error {
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// argv is the command line of an attempt's worker and the environment it
// adds. A command worker's placeholders are replaced inside each element;
// nothing passes through a shell, so a value with shell metacharacters
// arrives as it is. The torch worker gets its package on PYTHONPATH and
// its task's examples in the attempt directory (docs/torch.md).
func argv(s *sweeps.Sweep, t *sweeps.Trial, spec *trainer.Spec, specPath, eventsPath, self string) ([]string, []string, error) {
	w := s.File.Worker
	switch w.Kind {
	case sweeps.WorkerGo:
		return []string{self, "worker", "--spec", specPath}, nil, nil
	case sweeps.WorkerTorch:
		if spec.Task == nil {
			return nil, nil, fmt.Errorf("the torch worker needs a task")
		}
		cache, err := torchworker.CacheDir(spec.CacheDir)
		if err != nil {
			return nil, nil, err
		}
		ln, err := torchworker.Prepare(context.Background(), torchworker.DefaultFinder, torchworker.Request{Python: s.Python(),
			CacheDir: cache, AttemptDir: spec.AttemptDir, SpecPath: specPath, PythonPath: torchworker.PythonPathFrom(w.Env)})
		if err != nil {
			return nil, nil, err
		}
		if err := torchworker.WriteExamples(tasks.Config(*spec.Task), cache, spec.AttemptDir); err != nil {
			return nil, nil, fmt.Errorf("writing the task's examples: %w", err)
		}
		return ln.Argv, ln.Env, nil
	case sweeps.WorkerCommand:
		vals := map[string]string{
			"spec": specPath, "events": eventsPath, "trial": t.ID, "attempt": strconv.Itoa(spec.Attempt),
			"attempt_dir": spec.AttemptDir, "seed": strconv.FormatInt(t.Seed, 10), "task": t.TaskName(),
			"method": t.MethodName(), "rank": strconv.Itoa(t.Rank), "sweep": s.File.Name,
			"sweep_dir": absPath(s.Dir),
		}
		for _, h := range t.HParams {
			vals[h.Name] = sweeps.FormatValue(h.Value)
		}
		out := make([]string, len(w.Command))
		for i, arg := range w.Command {
			out[i] = substitute(arg, vals)
		}
		return out, nil, nil
	}
	return nil, nil, fmt.Errorf("unknown worker kind %q", w.Kind)
}

// substitute replaces {name} with vals[name] in one pass, so a substituted
// value is never itself expanded.
func substitute(arg string, vals map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(arg, '{')
		if i < 0 {
			b.WriteString(arg)
			return b.String()
		}
		j := strings.IndexByte(arg[i:], '}')
		if j < 0 {
			b.WriteString(arg)
			return b.String()
		}
		name := arg[i+1 : i+j]
		if v, ok := vals[name]; ok {
			b.WriteString(arg[:i])
			b.WriteString(v)
		} else {
			b.WriteString(arg[:i+j+1])
		}
		arg = arg[i+j+1:]
	}
}
