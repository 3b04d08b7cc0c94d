package sweeps

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// SchemaVersion is the sweep-file schema this package reads.
const SchemaVersion = 1

// File is a sweep file, schema version 1 (docs/sweep-file.md).
type File struct {
	Version       int               `yaml:"version"`
	Name          string            `yaml:"name"`
	Description   string            `yaml:"description"`
	Model         Model             `yaml:"model"`
	Targets       []string          `yaml:"targets"`
	Worker        Worker            `yaml:"worker"`
	Executor      Executor          `yaml:"executor"`
	Tasks         []TaskEntry       `yaml:"tasks"`
	Methods       []string          `yaml:"methods"`
	DefineMethods []trainer.Method  `yaml:"define_methods"`
	Ranks         Axis              `yaml:"ranks"`
	Seeds         Axis              `yaml:"seeds"`
	HParams       HParams           `yaml:"hparams"`
	Zip           [][]string        `yaml:"zip"`
	Exclude       []map[string]Axis `yaml:"exclude"`
	Select        Select            `yaml:"select"`
	MaxRetries    *int              `yaml:"max_retries"`
	RetryBackoff  Duration          `yaml:"retry_backoff"`
	Samples       *Samples          `yaml:"samples"`
	EarlyStop     *EarlyStopFile    `yaml:"early_stop"`
}

// Model names the base model: a preset, a Hugging Face config.json, and
// for the PyTorch worker the weights' directory.
type Model struct {
	Preset string `yaml:"preset" json:"preset,omitempty"`
	Config string `yaml:"config" json:"config,omitempty"`
	Path   string `yaml:"path" json:"path,omitempty"`
	// Init is InitRandom to train a model larger than the go-* presets
	// from random weights on purpose (a throughput test); without it such
	// a model needs Path.
	Init string `yaml:"init" json:"init,omitempty"`
}

// InitRandom is the one value of model.init.
const InitRandom = "random"

func (m *Model) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		m.Preset = n.Value
		return
	}
	type plain Model
	d.decode(n, reflectValue((*plain)(m)), path)
}

// Worker kinds.
const (
	WorkerGo      = "go"
	WorkerTorch   = "torch"
	WorkerCommand = "command"
)

// Report modes of a command worker.
const (
	ReportEvents   = "events"
	ReportExitCode = "exit-code"
)

// Worker says which process trains an attempt.
type Worker struct {
	Kind string `yaml:"kind" json:"kind"`
	// Python is the torch worker's interpreter (default: the first python3
	// on PATH that imports torch).
	Python string `yaml:"python" json:"python,omitempty"`
	// Command is a command worker's argv; {placeholders} are substituted
	// element by element and nothing goes through a shell.
	Command []string `yaml:"command" json:"command,omitempty"`
	// Report is events (the worker protocol) or exit-code.
	Report           string            `yaml:"report" json:"report,omitempty"`
	Env              map[string]string `yaml:"env" json:"env,omitempty"`
	HeartbeatTimeout Duration          `yaml:"heartbeat_timeout" json:"heartbeat_timeout,omitempty"`
	TimeLimit        Duration          `yaml:"time_limit" json:"time_limit,omitempty"`
}

func (w *Worker) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		w.Kind = n.Value
		return
	}
	if n.Kind != yaml.MappingNode && !isNull(n) {
		d.markBad(path + ".kind") // neither a name nor a mapping: no kind to go by
	}
	type plain Worker
	d.decode(n, reflectValue((*plain)(w)), path)
}

// Executor kinds.
const (
	ExecLocal = "local"
	ExecSlurm = "slurm"
)

// Executor says where attempts run.
type Executor struct {
	Kind string `yaml:"kind" json:"kind"`
	// local
	Slots              int     `yaml:"slots" json:"slots,omitempty"`
	GPUs               GPUList `yaml:"gpus" json:"gpus"`
	GPUsPerTrial       int     `yaml:"gpus_per_trial" json:"gpus_per_trial,omitempty"`
	ThreadsPerTrial    int     `yaml:"threads_per_trial" json:"threads_per_trial,omitempty"`
	GPUMemoryThreshold float64 `yaml:"gpu_memory_threshold" json:"gpu_memory_threshold,omitempty"`
	GPUMaxFailures     int     `yaml:"gpu_max_failures" json:"gpu_max_failures,omitempty"`
	// slurm
	Partition   string   `yaml:"partition" json:"partition,omitempty"`
	Account     string   `yaml:"account" json:"account,omitempty"`
	QOS         string   `yaml:"qos" json:"qos,omitempty"`
	Time        string   `yaml:"time" json:"time,omitempty"`
	Gres        string   `yaml:"gres" json:"gres,omitempty"`
	CPUsPerTask int      `yaml:"cpus_per_task" json:"cpus_per_task,omitempty"`
	Mem         string   `yaml:"mem" json:"mem,omitempty"`
	Constraint  string   `yaml:"constraint" json:"constraint,omitempty"`
	SBatch      []string `yaml:"sbatch" json:"sbatch,omitempty"`
	Setup       []string `yaml:"setup" json:"setup,omitempty"`
	MaxQueued   int      `yaml:"max_queued" json:"max_queued,omitempty"`
	Array       *bool    `yaml:"array" json:"array,omitempty"`
}

// slurmOnly and localOnly name the executor keys of one kind, to reject
// them under the other.
var (
	slurmOnly = []string{"partition", "account", "qos", "time", "gres", "cpus_per_task", "mem", "constraint", "sbatch", "setup", "max_queued", "array"}
	localOnly = []string{"slots", "gpus", "threads_per_trial", "gpu_memory_threshold", "gpu_max_failures"}
)

// GPUList is "auto" (detect with nvidia-smi), "none", or GPU indices.
type GPUList struct {
	Auto bool  `json:"auto,omitempty"`
	IDs  []int `json:"ids,omitempty"`
}

func (g *GPUList) decodeNode(d *decoder, n *yaml.Node, path string) {
	switch {
	case isNull(n):
		g.Auto = true
	case n.Kind == yaml.ScalarNode && n.Value == "auto":
		g.Auto = true
	case n.Kind == yaml.ScalarNode && n.Value == "none":
	case n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if x, ok := d.integer(c, indexPath(path, i)); ok {
				if x < 0 {
					d.errorf(c, "%s: a GPU index cannot be negative", indexPath(path, i))
				}
				g.IDs = append(g.IDs, int(x))
			}
		}
	default:
		d.errorf(n, "%s: want auto, none or a list of GPU indices, got %s", path, shape(n))
	}
}

// Select says which score picks the best hyper-parameters.
type Select struct {
	Split  string `yaml:"split" json:"split"`
	Metric string `yaml:"metric" json:"metric,omitempty"`
	Goal   string `yaml:"goal" json:"goal"`
}

// TaskEntry is a task as a sweep file names it: a name alone, or a mapping
// with data files and options.
type TaskEntry struct {
	tasks.Config
}

func (t *TaskEntry) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		t.Name = n.Value
		return
	}
	if isNull(n) {
		d.errorf(n, "%s: want a task name or mapping, got nothing", path)
		return
	}
	d.decode(n, reflectValue(&t.Config), path)
}

// Duration is a Go duration string such as 90s or 2h30m.
type Duration time.Duration

func (t *Duration) decodeNode(d *decoder, n *yaml.Node, path string) {
	if isNull(n) {
		return
	}
	s, ok := d.scalar(n, path, "a duration such as 90s or 2h")
	if !ok {
		return
	}
	x, err := time.ParseDuration(s)
	if err != nil || x < 0 {
		d.errorf(n, "%s: want a duration such as 90s or 2h, got %q", path, s)
		return
	}
	*t = Duration(x)
}

func (t Duration) String() string { return time.Duration(t).String() }

// MarshalText writes a Duration as Go writes durations.
func (t Duration) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Axis is a list of values a sweep ranges over: a list, a single value, or
// an inclusive range {from, to, step}.
type Axis struct {
	Values []any // int64, float64, string or bool
	Set    bool  // present in the file
	// items is the list index in the file of each value, for messages:
	// a value that failed to decode leaves a gap.
	items []int
}

// item is the list index in the file of Values[i].
func (a *Axis) item(i int) int {
	if i < len(a.items) {
		return a.items[i]
	}
	return i
}

// maxAxisLen bounds one axis, so that a range typo cannot eat the memory.
const maxAxisLen = 1_000_000

func (a *Axis) decodeNode(d *decoder, n *yaml.Node, path string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	a.Set = true
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			for c.Kind == yaml.AliasNode {
				c = c.Alias
			}
			if !d.budget(c) {
				return
			}
			d.pos[indexPath(path, i)] = posOf(c)
			if x, ok := d.value(c, indexPath(path, i)); ok {
				a.Values = append(a.Values, x)
				a.items = append(a.items, i)
			} else {
				d.markBad(indexPath(path, i))
			}
		}
	case yaml.MappingNode:
		a.decodeRange(d, n, path)
	default:
		if isNull(n) {
			return // an empty axis; reported with the other checks
		}
		if x, ok := d.value(n, path); ok {
			a.Values = []any{x}
		}
	}
}

func (a *Axis) decodeRange(d *decoder, n *yaml.Node, path string) {
	var r struct {
		From, To, Step *yaml.Node
	}
	d.mappingPairs(n, path, func(key string, k, val *yaml.Node) {
		switch key {
		case "from":
			r.From = val
		case "to":
			r.To = val
		case "step":
			r.Step = val
		default:
			d.errorf(k, "unknown key %q in range %s%s", key, path, didYouMean(key, []string{"from", "to", "step", "by_method"}))
		}
	})
	if r.From == nil || r.To == nil {
		d.errorf(n, "%s: a range needs from and to (and optionally step)", path)
		return
	}
	ints := r.From.ShortTag() == "!!int" && r.To.ShortTag() == "!!int" && (r.Step == nil || r.Step.ShortTag() == "!!int")
	from, ok1 := d.float(r.From, path+".from")
	to, ok2 := d.float(r.To, path+".to")
	step := 1.0
	ok3 := true
	if r.Step != nil {
		step, ok3 = d.float(r.Step, path+".step")
	}
	if !ok1 || !ok2 || !ok3 {
		return
	}
	if step == 0 || (to-from)/step < 0 {
		d.errorf(n, "%s: step %v never gets from %v to %v", path, step, from, to)
		return
	}
	// Inclusive of to, with slack for decimal steps such as 0.1.
	count := math.Floor((to-from)/step+1e-9) + 1
	if count > maxAxisLen {
		d.errorf(n, "%s: the range has %.0f values; at most %d", path, count, maxAxisLen)
		return
	}
	for i := 0; i < int(count); i++ {
		x := from + float64(i)*step
		if ints {
			a.Values = append(a.Values, int64(math.Round(x)))
			continue
		}
		// Round away the binary noise of repeated addition (0.30000000000000004).
		x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
		a.Values = append(a.Values, x)
	}
}

// HParam is one hyper-parameter axis.
type HParam struct {
	Name string
	Axis Axis
	// PerMethod: the file gives the values per method (by_method).
	// ByMethod holds each method's list in file order, and Axis the
	// default list (Axis.Set false when there is none).
	PerMethod bool
	ByMethod  []MethodAxis
	// Sample is the distribution of a sampled hyper-parameter (nil for a
	// grid axis): the file's samples key says how many points to draw.
	Sample *Distribution
}

// MethodAxis is one method's values of a hyper-parameter.
type MethodAxis struct {
	Method string
	Axis   Axis
}

// ByMethodDefault is the by_method key of the values for the methods
// without a list of their own.
const ByMethodDefault = "default"

// HParams are the hyper-parameter axes in file order.
type HParams []HParam

func (h *HParams) decodeNode(d *decoder, n *yaml.Node, path string) {
	if isNull(n) {
		return
	}
	d.mappingPairs(n, path, func(key string, k, val *yaml.Node) {
		p := joinPath(path, key)
		d.pos[p+"#key"] = posOf(k)
		var a Axis
		d.pos[p] = posOf(val)
		before := len(d.errs)
		hp := HParam{Name: key}
		switch {
		case byMethodNode(val) != nil:
			hp.PerMethod = true
			hp.decodeByMethod(d, val, p)
		case distNode(val):
			hp.Sample = decodeDist(d, val, p)
		default:
			a.decodeNode(d, val, p)
			hp.Axis = a
		}
		if len(d.errs) > before {
			d.markBad(p)
		}
		*h = append(*h, hp)
	})
}

// byMethodNode is the value of a mapping's by_method key, or nil.
func byMethodNode(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == "by_method" {
			return n.Content[i+1]
		}
	}
	return nil
}

// decodeByMethod reads {by_method: {default: axis, <method>: axis, …}}.
func (h *HParam) decodeByMethod(d *decoder, n *yaml.Node, path string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.mappingPairs(n, path, func(key string, k, val *yaml.Node) {
		if key != "by_method" {
			d.errorf(k, "unknown key %q in %s: with by_method, every value list is under it (default: [...], <method>: [...])", key, path)
			return
		}
		bm := path + ".by_method"
		d.pos[bm+"#key"] = posOf(k)
		d.pos[bm] = posOf(val)
		if isNull(val) {
			d.errorf(val, "%s: want a mapping of method names to values, got nothing", bm)
			return
		}
		d.mappingPairs(val, bm, func(m string, mk, mv *yaml.Node) {
			p := bm + "." + m
			d.pos[p+"#key"] = posOf(mk)
			d.pos[p] = posOf(mv)
			if distNode(mv) {
				d.errorf(mv, "%s: a hyper-parameter is sampled for every method or none; give %s a distribution without by_method, or lists per method", p, strings.TrimPrefix(path, "hparams."))
				d.markBad(p)
				return
			}
			var a Axis
			before := len(d.errs)
			a.decodeNode(d, mv, p)
			if len(d.errs) > before {
				d.markBad(p)
			}
			if m == ByMethodDefault {
				h.Axis = a
			} else {
				h.ByMethod = append(h.ByMethod, MethodAxis{Method: m, Axis: a})
			}
		})
	})
}

// FormatValue prints an axis value as a sweep file would: 0.001, not 1e-03.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
