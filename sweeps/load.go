package sweeps

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Sweep is a loaded, checked sweep file.
type Sweep struct {
	File File
	// Path is the file as named; Dir is where relative paths in it start.
	Path string
	Dir  string
	// Text and Hash are the file's bytes and their SHA-256, stored with
	// the results so a report can say which file produced them.
	Text []byte
	Hash string
	// Arch is the base model's shape (zero for a command worker without a
	// model).
	Arch      trainer.Arch
	Catalogue *trainer.Catalogue
	// Methods and Tasks are the resolved method and task axes.
	Methods []trainer.Method
	Tasks   []tasks.Config

	axes    []*axisDef
	groups  [][]int // axis indices that vary together
	exclude []rule
	// restrict leaves out what per-method hyper-parameter lists do not
	// hold: each rule is (method, values of one axis).
	restrict []rule
	// earlyStop is the resolved early_stop block (nil without one).
	earlyStop *EarlyStop
}

// HasModel reports whether the sweep names a base model, so that trials
// carry parameter counts.
func (s *Sweep) HasModel() bool { return s.Arch.Layers > 0 }

// Load reads and checks a sweep file. Its problems come back together as
// an ErrorList.
func Load(path string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse checks a sweep file's bytes; name is used in messages and as the
// base of relative paths.
func Parse(name string, data []byte) (*Sweep, error) {
	l := &loader{d: &decoder{file: name, pos: map[string]Pos{}}}
	s := l.parse(name, data)
	if len(l.d.errs) > 0 {
		return nil, l.d.errs.sorted()
	}
	return s, nil
}

type loader struct {
	d *decoder
	s *Sweep
}

func (l *loader) errAt(path, format string, args ...any) { l.d.errorAt(path, format, args...) }

// broken reports whether the value at path, or a part of it, failed to
// decode (or a misspelt key most likely meant it): checks of it would
// only repeat the decoding error.
func (l *loader) broken(path string) bool { return l.d.bad[path] }

// workerKnown reports whether the worker's kind is what the file says, so
// that checks which depend on it (hyper-parameters, required axes) apply.
func (l *loader) workerKnown() bool { return !l.broken("worker.kind") }

// needsAxes reports whether the worker needs tasks and methods: a built-in
// one does, a command does not, and an unreadable kind is not judged.
func (l *loader) needsAxes() bool {
	return l.s.File.Worker.Kind != WorkerCommand && l.workerKnown()
}

// posKnown reports whether the file has a value at path.
func (l *loader) posKnown(path string) bool { _, ok := l.d.pos[path]; return ok }

func (l *loader) parse(name string, data []byte) *Sweep {
	d := l.d
	root, ok := l.document(data)
	if !ok {
		return nil
	}
	sum := sha256.Sum256(data)
	s := &Sweep{Path: name, Dir: filepath.Dir(name), Text: data, Hash: hex.EncodeToString(sum[:])}
	l.s = s
	// Decoding goes on past unknown keys and wrong shapes, and so do the
	// checks: each skips the values that failed to decode (l.broken), so
	// that one pass reports every mistake without echoes of the first.
	d.decode(root, reflect.ValueOf(&s.File).Elem(), "")
	l.defaults()
	l.checkTop()
	l.checkModel()
	l.checkWorker()
	l.checkExecutor()
	l.checkMethods()
	l.checkTasks()
	l.buildAxes()
	l.checkEarlyStop()
	l.checkInputs()
	if len(d.errs) > 0 {
		return nil
	}
	l.checkCombinations()
	if len(d.errs) > 0 {
		return nil
	}
	l.checkEarlyStopTrials()
	return s
}

// document parses the YAML text into its one document node.
func (l *loader) document(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.d.errs = append(l.d.errs, &Error{File: l.d.file, Msg: "the file is empty"})
		} else {
			l.d.errs = append(l.d.errs, syntaxError(l.d.file, err))
		}
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.d.errs = append(l.d.errs, &Error{File: l.d.file, Pos: posOf(&extra), Msg: "a sweep file holds one YAML document; found a second"})
		return nil, false
	} else if !errors.Is(err, io.EOF) {
		l.d.errs = append(l.d.errs, syntaxError(l.d.file, err))
		return nil, false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.d.errorf(root, "a sweep file is a mapping of keys (name, model, tasks, …), got %s", shape(root))
		return nil, false
	}
	return root, true
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns yaml.v3's "yaml: line N: msg" into file:N:1: msg.
// yaml.v3 numbers the lines of the parser's errors ("did not find expected
// …") from 0 and those of the scanner's from 1; both become 1-based here.
func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if strings.HasPrefix(m[2], "did not find expected") {
			line++
		}
		return &Error{File: file, Pos: Pos{line, 1}, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

func (l *loader) defaults() {
	f := &l.s.File
	if f.Version == 0 {
		f.Version = SchemaVersion
	}
	if f.Worker.Kind == "" {
		f.Worker.Kind = WorkerGo
	}
	if f.Worker.Kind == WorkerCommand && f.Worker.Report == "" {
		f.Worker.Report = ReportEvents
	}
	if f.Executor.Kind == "" {
		f.Executor.Kind = ExecLocal
	}
	if !l.posKnown("executor.gpus") {
		f.Executor.GPUs.Auto = true
	}
	if f.Model == (Model{}) && f.Worker.Kind == WorkerGo {
		f.Model.Preset = "go-tiny"
	}
	if f.Model.Path != "" && f.Model.Preset == "" && f.Model.Config == "" {
		f.Model.Config = filepath.Join(f.Model.Path, "config.json")
	}
	if f.Targets == nil {
		f.Targets = trainer.DefaultTargets
	}
	if !f.Seeds.Set {
		f.Seeds = Axis{Values: []any{int64(1)}, Set: true}
	}
	if f.Select.Split == "" {
		f.Select.Split = "validation"
	}
	if f.Select.Goal == "" {
		f.Select.Goal = "max"
	}
	if f.MaxRetries == nil {
		two := 2
		f.MaxRetries = &two
	}
}

var sweepName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (l *loader) checkTop() {
	f := &l.s.File
	if f.Version != SchemaVersion {
		l.errAt("version", "schema version %d is not supported; this program reads version %d", f.Version, SchemaVersion)
	}
	switch {
	case l.broken("name"):
	case f.Name == "":
		l.errAt("", "name is required (it names the run directory runs/<name>)")
	case !sweepName.MatchString(f.Name) || len(f.Name) > 100:
		l.errAt("name", "name %q must be at most 100 letters, digits, '.', '_' or '-', starting with a letter or digit", f.Name)
	}
	if *f.MaxRetries < 0 {
		l.errAt("max_retries", "max_retries cannot be negative")
	}
	switch f.Select.Split {
	case "train", "validation", "test":
	default:
		l.errAt("select.split", "select.split must be train, validation or test, got %q", f.Select.Split)
	}
	switch f.Select.Goal {
	case "max", "min":
	default:
		l.errAt("select.goal", "select.goal must be max or min, got %q", f.Select.Goal)
	}
}

// ResolvePath makes a path from the sweep file relative to its directory.
func (s *Sweep) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// Python is worker.python as the runner starts it: a path (one with a
// separator) is relative to the sweep file's directory, like every other
// path in the file, and a bare name is looked up on PATH; "" means the
// torch worker picks one.
func (s *Sweep) Python() string {
	p := s.File.Worker.Python
	if !strings.ContainsRune(p, '/') && !strings.ContainsRune(p, filepath.Separator) {
		return p
	}
	return s.ResolvePath(p)
}

// placeholder matches {name} in a command worker's argv.
var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_.-]*)\}`)

// Placeholders a command argv may use besides hyper-parameter names.
var Placeholders = []string{"spec", "events", "trial", "attempt", "attempt_dir", "seed", "task", "method", "rank", "sweep", "sweep_dir"}

func (l *loader) checkWorker() {
	w := &l.s.File.Worker
	if !l.workerKnown() {
		return
	}
	switch w.Kind {
	case WorkerGo, WorkerTorch:
		if l.posKnown("worker.command") {
			l.errAt("worker.command", "worker.command is only for kind command (this worker is %s)", w.Kind)
		}
		if l.posKnown("worker.report") {
			l.errAt("worker.report", "worker.report is only for kind command")
		}
	case WorkerCommand:
		if (len(w.Command) == 0 || w.Command[0] == "") && !l.broken("worker.command") {
			l.errAt("worker", "worker.command must list the program and its arguments, e.g. [python3, train.py, --spec, \"{spec}\"]")
		}
		switch w.Report {
		case ReportEvents, ReportExitCode:
		default:
			l.errAt("worker.report", "worker.report must be events or exit-code, got %q", w.Report)
		}
		known := append([]string(nil), Placeholders...)
		for _, h := range l.s.File.HParams {
			known = append(known, h.Name)
		}
		for i, arg := range w.Command {
			if l.broken(indexPath("worker.command", i)) {
				continue
			}
			for _, m := range placeholder.FindAllStringSubmatch(arg, -1) {
				if !contains(known, m[1]) {
					l.errAt(indexPath("worker.command", i), "unknown placeholder {%s}%s; known: %s and the hparams", m[1], didYouMean(m[1], known), strings.Join(Placeholders, ", "))
				}
			}
		}
	default:
		at := "worker.kind"
		if !l.posKnown(at) {
			at = "worker"
		}
		l.errAt(at, "unknown worker %q%s; want go, torch or command", w.Kind, didYouMean(w.Kind, []string{WorkerGo, WorkerTorch, WorkerCommand}))
	}
	if w.Python != "" && w.Kind != WorkerTorch {
		l.errAt("worker.python", "worker.python is only for kind torch")
	}
}

func (l *loader) checkExecutor() {
	e := &l.s.File.Executor
	if l.broken("executor.kind") {
		return // which keys belong is unknown
	}
	var wrong []string
	switch e.Kind {
	case ExecLocal:
		wrong = slurmOnly
		if e.Slots < 0 {
			l.errAt("executor.slots", "executor.slots cannot be negative")
		}
		if e.GPUMemoryThreshold < 0 || e.GPUMemoryThreshold > 1 {
			l.errAt("executor.gpu_memory_threshold", "executor.gpu_memory_threshold is a fraction of a GPU's memory, from 0 to 1")
		}
	case ExecSlurm:
		wrong = localOnly
		if e.MaxQueued < 0 {
			l.errAt("executor.max_queued", "executor.max_queued cannot be negative")
		}
		l.checkSlurm()
	default:
		l.errAt("executor.kind", "unknown executor %q%s; want local or slurm", e.Kind, didYouMean(e.Kind, []string{ExecLocal, ExecSlurm}))
		return
	}
	for _, k := range wrong {
		if l.posKnown("executor." + k + "#key") {
			l.errAt("executor."+k+"#key", "executor.%s does not apply to the %s executor", k, e.Kind)
		}
	}
	if e.GPUsPerTrial < 0 || e.ThreadsPerTrial < 0 || e.CPUsPerTask < 0 || e.GPUMaxFailures < 0 {
		l.errAt("executor", "executor counts (gpus_per_trial, threads_per_trial, cpus_per_task, gpu_max_failures) cannot be negative")
	}
}

// checkMethods adds the sweep's own methods to the catalogue and resolves
// the methods axis.
func (l *loader) checkMethods() {
	f, s := &l.s.File, l.s
	base, err := trainer.DefaultCatalogue()
	if err != nil {
		l.errAt("", "%v", err) // the embedded catalogue is broken: a build problem
		return
	}
	s.Catalogue = base.Clone()
	invalid := map[string]bool{} // declared here but broken: reported once
	for i := range f.DefineMethods {
		m := f.DefineMethods[i]
		at := indexPath("define_methods", i)
		if l.broken(at) {
			invalid[m.Name] = true // reported as it was decoded
			continue
		}
		if m.Status == "" {
			m.Status = trainer.Custom
		}
		bad := false
		for _, fe := range m.Validate() {
			p := at
			if fe.Field != "" && l.posKnown(at+"."+fe.Field) {
				p = at + "." + fe.Field
			}
			l.errAt(p, "method %s: %s", strconv.Quote(m.Name), fe.Error())
			bad = true
		}
		if m.Name == trainer.AllTied {
			l.errAt(at+".name", "method name %q is reserved", trainer.AllTied)
			bad = true
		}
		if m.Reference {
			l.errAt(at+".reference", "method %s: %v", strconv.Quote(m.Name), trainer.ErrReferenceReserved)
			bad = true
		}
		if bad {
			invalid[m.Name] = true
		} else {
			_ = s.Catalogue.Add(m) // validated above
		}
	}
	if len(f.Methods) == 0 {
		if l.needsAxes() && !l.broken("methods") {
			l.errAt("", "methods is required for the %s worker (e.g. [lora, tl5, tl6], or [all-tied])", f.Worker.Kind)
		}
		return
	}
	names := append(s.Catalogue.Names(), trainer.AllTied)
	seen := map[string]bool{}
	var ok []string
	for i, n := range f.Methods {
		at := indexPath("methods", i)
		switch {
		case l.broken(at):
			continue
		case seen[n]:
			l.errAt(at, "method %q is listed twice", n)
		case invalid[n]:
		case n != trainer.AllTied && !contains(names, n):
			l.errAt(at, "unknown method %q%s; see `sweep methods`, or declare it under define_methods", n, didYouMean(n, names))
		default:
			ok = append(ok, n)
		}
		seen[n] = true
	}
	s.Methods, _ = s.Catalogue.Resolve(ok) // every name was checked
}

func (l *loader) checkTasks() {
	f, s := &l.s.File, l.s
	needs := l.needsAxes()
	if len(f.Tasks) == 0 {
		if needs && !l.broken("tasks") {
			l.errAt("", "tasks is required for the %s worker (e.g. [syn-squad]; see `sweep tasks`)", f.Worker.Kind)
		}
		return
	}
	seen := map[string]bool{}
	for i, t := range f.Tasks {
		at := indexPath("tasks", i)
		switch {
		case l.broken(at+".name") || (l.broken(at) && t.Name == ""):
			continue
		case t.Name == "":
			l.errAt(at, "a task needs a name")
			continue
		case seen[t.Name]:
			l.errAt(at, "task %q is listed twice; give each task once (one data set per task)", t.Name)
			continue
		}
		seen[t.Name] = true
		if _, ok := tasks.Lookup(t.Name); !ok && needs {
			l.errAt(at, "unknown task %q%s; see `sweep tasks`", t.Name, didYouMean(t.Name, tasks.Names()))
			continue
		}
		if needs && !l.broken(at) {
			l.checkTaskConfig(at, t.Config)
		}
		s.Tasks = append(s.Tasks, t.Config)
	}
}

// checkTaskConfig reports the task's own checks (splits, sizes, prompt
// template, data files for real tasks) at the key each one is about.
func (l *loader) checkTaskConfig(at string, c tasks.Config) {
	err := c.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		msg := e.Error()
		// Messages start with the field they are about: "data.train: …",
		// "max_examples: …", "size, seed: …".
		field, _, _ := strings.Cut(msg, ":")
		field, _, _ = strings.Cut(field, ",")
		p := at
		for _, cand := range []string{at + "." + field, at + "." + strings.SplitN(field, ".", 2)[0]} {
			if l.posKnown(cand) {
				p = cand
				break
			}
		}
		l.errAt(p, "task %s: %s", c.Name, msg)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
