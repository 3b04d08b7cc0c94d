package gotrain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// HParams is the fine-tuning recipe, read from spec.hparams.
type HParams struct {
	LR              float64
	Steps           int
	BatchSize       int
	GradAccum       int
	Warmup          int
	WeightDecay     float64
	GradClip        float64
	EvalEvery       int
	CheckpointEvery int
	Patience        int
	Dropout         float64
	MaxSeqLen       int
	EvalExamples    int
	LogEvery        int
	MaxNewTokens    int
}

// knownHParams are the keys this worker reads; others are an error, so a
// misspelt key is not silently ignored.
var knownHParams = []string{"lr", "steps", "batch_size", "grad_accum", "warmup", "weight_decay", "grad_clip",
	"eval_every", "checkpoint_every", "patience", "dropout", "max_seq_len", "eval_examples", "log_every",
	"max_new_tokens", "pretrain_steps", "pretrain_lr", "pretrain_batch", "pretrain_size", "pretrain_seed"}

// readHParams applies the defaults and checks the ranges.
func readHParams(s *trainer.Spec, arch trainer.Arch) (HParams, error) {
	known := map[string]bool{}
	for _, k := range knownHParams {
		known[k] = true
	}
	var bad []string
	for k, v := range s.HParams {
		if !known[k] {
			bad = append(bad, fmt.Sprintf("unknown hparam %q", k))
		} else if _, ok := v.(float64); !ok {
			bad = append(bad, fmt.Sprintf("hparam %s must be a number, got %v", k, v))
		}
	}
	sort.Strings(bad)
	h := HParams{
		LR:              s.HParamFloat("lr", 1e-3),
		Steps:           s.HParamInt("steps", 300),
		BatchSize:       s.HParamInt("batch_size", 16),
		GradAccum:       s.HParamInt("grad_accum", 1),
		WeightDecay:     s.HParamFloat("weight_decay", 0),
		GradClip:        s.HParamFloat("grad_clip", 1),
		EvalEvery:       s.HParamInt("eval_every", 100),
		CheckpointEvery: s.HParamInt("checkpoint_every", 100),
		Patience:        s.HParamInt("patience", 0),
		Dropout:         s.HParamFloat("dropout", 0),
		MaxSeqLen:       s.HParamInt("max_seq_len", arch.Context),
		EvalExamples:    s.HParamInt("eval_examples", 200),
		LogEvery:        s.HParamInt("log_every", 10),
		MaxNewTokens:    s.HParamInt("max_new_tokens", 0),
	}
	h.Warmup = s.HParamInt("warmup", h.Steps/20)
	check := func(ok bool, msg string, a ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(msg, a...))
		}
	}
	check(h.LR > 0, "lr must be positive, got %v", h.LR)
	check(h.Steps >= 0, "steps must not be negative, got %d", h.Steps)
	check(h.BatchSize > 0, "batch_size must be positive, got %d", h.BatchSize)
	check(h.GradAccum > 0, "grad_accum must be positive, got %d", h.GradAccum)
	check(h.Warmup >= 0, "warmup must not be negative, got %d", h.Warmup)
	check(h.WeightDecay >= 0, "weight_decay must not be negative, got %v", h.WeightDecay)
	check(h.GradClip >= 0, "grad_clip must not be negative (0 turns clipping off), got %v", h.GradClip)
	check(h.EvalEvery >= 0 && h.CheckpointEvery >= 0 && h.Patience >= 0 && h.LogEvery >= 0,
		"eval_every, checkpoint_every, patience and log_every must not be negative")
	check(h.Dropout >= 0 && h.Dropout < 1, "dropout must be in [0, 1), got %v", h.Dropout)
	check(h.MaxSeqLen >= 2 && h.MaxSeqLen <= arch.Context, "max_seq_len must be in [2, %d] (the model's context), got %d", arch.Context, h.MaxSeqLen)
	check(h.EvalExamples >= 0, "eval_examples must not be negative (0: all), got %d", h.EvalExamples)
	check(h.MaxNewTokens >= 0, "max_new_tokens must not be negative (0: from the training targets), got %d", h.MaxNewTokens)
	if len(bad) > 0 {
		return h, fmt.Errorf("hparams: %s", strings.Join(bad, "; "))
	}
	if h.LogEvery == 0 {
		h.LogEvery = 1
	}
	return h, nil
}
