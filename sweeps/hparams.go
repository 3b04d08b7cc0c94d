package sweeps

import "fmt"

// hparamRule says what values a hyper-parameter the built-in workers know
// may take. Command workers take any hyper-parameter as it is.
type hparamRule struct {
	integer bool    // an integer, else a number
	min     float64 // smallest allowed value
	minOpen bool    // min itself is not allowed
	max     float64 // 0: no upper bound
	maxOpen bool
	help    string
	// only names the one worker that reads it ("" for both).
	only string
}

var knownHParams = map[string]hparamRule{
	"lr":               {min: 0, minOpen: true, help: "peak learning rate"},
	"steps":            {integer: true, min: 1, help: "optimizer steps"},
	"batch_size":       {integer: true, min: 1, help: "examples per optimizer step (before accumulation)"},
	"grad_accum":       {integer: true, min: 1, help: "micro-batches accumulated per step"},
	"warmup":           {integer: true, min: 0, help: "linear warm-up steps before the cosine decay"},
	"weight_decay":     {min: 0, help: "AdamW weight decay"},
	"grad_clip":        {min: 0, help: "global gradient-norm clip (0: off)"},
	"max_seq_len":      {integer: true, min: 1, help: "longest prompt+target in tokens"},
	"eval_every":       {integer: true, min: 1, help: "steps between validation evaluations"},
	"checkpoint_every": {integer: true, min: 1, help: "steps between checkpoints"},
	"patience":         {integer: true, min: 0, help: "evaluations without a better validation loss before stopping (0: off)"},
	"dropout":          {min: 0, max: 1, maxOpen: true, help: "adapter dropout probability"},
	"eval_examples":    {integer: true, min: 0, help: "at most this many validation examples are evaluated, 0: all (the test split is always scored whole)"},
	"log_every":        {integer: true, min: 1, help: "steps between metric events"},
	"max_new_tokens":   {integer: true, min: 0, help: "longest generated answer in tokens (0: the task's own limit)"},
	// The Go trainer pretrains its base model on the synthetic corpora;
	// these change that recipe (and so which cached base is used).
	"pretrain_steps": {integer: true, min: 1, only: WorkerGo, help: "base-model pretraining steps"},
	"pretrain_lr":    {min: 0, minOpen: true, only: WorkerGo, help: "base-model pretraining learning rate"},
	"pretrain_batch": {integer: true, min: 1, only: WorkerGo, help: "base-model pretraining batch size"},
	"pretrain_size":  {integer: true, min: 1, only: WorkerGo, help: "examples per synthetic task in the pretraining corpus"},
	"pretrain_seed":  {integer: true, min: 0, only: WorkerGo, help: "seed of the pretraining corpus and initialisation"},
}

// hparamsFor lists the hyper-parameters a worker reads.
func hparamsFor(worker string) map[string]hparamRule {
	out := map[string]hparamRule{}
	for name, r := range knownHParams {
		if r.only == "" || r.only == worker {
			out[name] = r
		}
	}
	return out
}

// defaultHParams fills in what a sweep file leaves out, per worker, so that
// a trial is fully resolved (and its ID changes when a default does).
// Early stopping is off (patience 0) by default: the best tensors by
// validation loss are kept anyway, and a short run would stop on noise.
var defaultHParams = map[string]map[string]any{
	WorkerGo: {
		"lr": 1e-3, "steps": int64(300), "batch_size": int64(16), "grad_accum": int64(1),
		"weight_decay": 0.0, "grad_clip": 1.0, "eval_every": int64(100), "checkpoint_every": int64(100),
		"patience": int64(0), "dropout": 0.0,
	},
	WorkerTorch: {
		"lr": 1e-4, "steps": int64(1000), "batch_size": int64(8), "grad_accum": int64(1),
		"weight_decay": 0.0, "grad_clip": 1.0, "eval_every": int64(200), "checkpoint_every": int64(200),
		"patience": int64(0), "dropout": 0.0, "max_seq_len": int64(512),
	},
}

// check returns the value as the worker receives it (integers of a
// number-valued hyper-parameter become floats) or a reason it is invalid.
func (r hparamRule) check(v any) (any, error) {
	var x float64
	switch t := v.(type) {
	case int64:
		x = float64(t)
	case float64:
		if r.integer {
			return nil, fmt.Errorf("want an integer, got %s", FormatValue(v))
		}
		x = t
	default:
		kind := "a number"
		if r.integer {
			kind = "an integer"
		}
		return nil, fmt.Errorf("want %s, got %q", kind, FormatValue(v))
	}
	if x < r.min || (r.minOpen && x == r.min) {
		op := "at least"
		if r.minOpen {
			op = "greater than"
		}
		return nil, fmt.Errorf("must be %s %s, got %s", op, FormatValue(r.min), FormatValue(v))
	}
	if r.max != 0 && (x > r.max || (r.maxOpen && x == r.max)) {
		op := "at most"
		if r.maxOpen {
			op = "less than"
		}
		return nil, fmt.Errorf("must be %s %s, got %s", op, FormatValue(r.max), FormatValue(v))
	}
	if r.integer {
		return int64(x), nil
	}
	return x, nil
}

// derivedHParam is a default that scales with another hyper-parameter of
// the same trial: value = the other's value / div (integer division).
type derivedHParam struct {
	name, from string
	div        int64
}

// Formula is how plans and docs write it: "steps/20".
func (d derivedHParam) Formula() string { return fmt.Sprintf("%s/%d", d.from, d.div) }

// derivedHParams are the defaults that scale with the run: a warm-up of a
// fixed 30 steps is most of an 80-step run. The Go trainer warms up for
// steps/20 (docs/gotrain.md); the PyTorch worker's 100 of its 1000 default
// steps is steps/10 (docs/torch.md). The workers derive the same value
// when a spec leaves warmup out.
var derivedHParams = map[string][]derivedHParam{
	WorkerGo:    {{name: "warmup", from: "steps", div: 20}},
	WorkerTorch: {{name: "warmup", from: "steps", div: 10}},
}
