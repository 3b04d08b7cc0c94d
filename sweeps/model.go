package sweeps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// hfModel is what model.path holds when it is a Hugging Face checkpoint.
type hfModel struct {
	arch      trainer.Arch
	modelType string
	shown     string // model.path for messages
}

func (l *loader) checkModel() {
	f, s := &l.s.File, l.s
	m := f.Model
	if l.broken("model") || !l.workerKnown() {
		return // what the model is, or who runs it, is unknown
	}
	// The torch worker's model.path is checked here, before any job starts,
	// since a cluster job would find a missing or unusable checkpoint only
	// after its wait in the queue.
	var hf *hfModel
	pathOK := true
	if f.Worker.Kind == WorkerTorch && m.Path != "" {
		hf, pathOK = l.checkTorchPath()
	}
	modelType := "" // of the checkpoint, for messages about targets
	if hf != nil {
		modelType = hf.modelType
	}
	l.checkInit()
	fromPath := m.Config != "" && !l.posKnown("model.config") // config.json of model.path
	switch {
	case m.Preset != "" && m.Config != "" && l.posKnown("model.config"):
		l.errAt("model", "model: give a preset or a config, not both")
	case m.Preset != "":
		a, ok := trainer.Preset(m.Preset)
		if !ok {
			l.errAt("model", "unknown model preset %q%s; presets: %s", m.Preset, didYouMean(m.Preset, trainer.PresetNames()), strings.Join(trainer.PresetNames(), ", "))
			return
		}
		s.Arch = a
	case m.Config != "" && fromPath && f.Worker.Kind == WorkerTorch:
		if hf == nil && pathOK {
			l.errAt("model.path#key", "model.path %s holds weights of the built-in model, which carry no shape; name it with preset or config (e.g. {preset: go-micro, path: DIR})", m.Path)
		}
		if hf == nil {
			return // checkTorchPath said why
		}
		s.Arch, hf = hf.arch, nil // nothing to compare it with
	case m.Config != "":
		a, err := trainer.LoadHFConfig(s.ResolvePath(m.Config))
		at := "model.config"
		if fromPath {
			at = "model.path"
		}
		if err != nil {
			l.errAt(at, "model: %v", err)
			return
		}
		s.Arch = a
	case f.Worker.Kind == WorkerTorch:
		l.errAt("", "model is required for the torch worker (a preset, or {path: DIR} with a Hugging Face config.json)")
		return
	default:
		return // a command worker without a model
	}
	if m.Init == "" && m.Path == "" {
		l.checkWeights()
	}
	if hf != nil {
		l.checkSameShape(hf)
	}
	for i, t := range f.Targets {
		if l.broken(indexPath("targets", i)) {
			continue
		}
		if _, _, err := s.Arch.TargetShape(t); err != nil {
			if modelType != "" && t == trainer.TargetGate {
				err = fmt.Errorf("target gate: model_type %s has no gate projection; its targets: %s", modelType, strings.Join(targetsOf(s.Arch), ", "))
			}
			l.errAt(indexPath("targets", i), "%v", err)
		}
	}
}

// targetsOf lists the adapter targets that an architecture has.
func targetsOf(a trainer.Arch) []string {
	var out []string
	for _, t := range trainer.TargetNames {
		if _, _, err := a.TargetShape(t); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// largestBuiltin is the parameter count of the largest go-* preset: the
// models that are meant to start from random weights (the Go trainer
// pretrains them; the torch worker builds them for tests).
func largestBuiltin() int64 {
	var n int64
	for _, name := range trainer.PresetNames() {
		if strings.HasPrefix(name, "go-") {
			a, _ := trainer.Preset(name)
			n = max(n, a.BaseParams())
		}
	}
	return n
}

// checkInit checks model.init: random, for the torch worker, without path.
func (l *loader) checkInit() {
	f := &l.s.File
	m := f.Model
	switch {
	case m.Init == "":
	case m.Init != InitRandom:
		l.errAt("model.init", "model.init: want %s, got %q (pretrained weights come from model.path)", InitRandom, m.Init)
	case f.Worker.Kind != WorkerTorch:
		l.errAt("model.init#key", "model.init is only for the torch worker (this worker is %s)", f.Worker.Kind)
	case m.Path != "":
		l.errAt("model.init#key", "model.init: random contradicts model.path: a random base loads no weights; drop one of them")
	}
}

// checkWeights reports a model without path and without init: random that
// the torch worker would fine-tune from random weights though it is larger
// than the go-* presets, which are meant to start that way.
func (l *loader) checkWeights() {
	f, s := &l.s.File, l.s
	m := f.Model
	if f.Worker.Kind != WorkerTorch {
		return
	}
	n := s.Arch.BaseParams()
	if n <= largestBuiltin() {
		return
	}
	what, example := "model.config "+m.Config, "{config: "+m.Config+", init: random}"
	if m.Preset != "" {
		what, example = "model "+m.Preset, "{preset: "+m.Preset+", init: random}"
	}
	l.errAt("model#key", "%s has %s parameters and no path: the torch worker would fine-tune it from random weights. "+
		"Give model.path, a Hugging Face checkpoint directory (docs/torch.md, \"Getting Llama-2 and other checkpoints\"), "+
		"or write model: %s for a throughput test on random weights", what, billions(n), example)
}

// billions writes a parameter count as 6.7 B.
func billions(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.1f B", float64(n)/1e9)
	}
	return fmt.Sprintf("%.0f M", float64(n)/1e6)
}

// checkTorchPath checks the torch worker's model.path: a Hugging Face
// checkpoint directory (config.json of a model_type the adapters know, and
// a tokenizer), or weights of the worker's built-in model (model.safetensors,
// such as a base the Go trainer exported). It returns the checkpoint's
// shape, nil for built-in weights, and false when it reported a problem.
// Weights are not looked for: planning needs none, and their file names
// vary (model.safetensors, shards with an index, pytorch_model.bin).
func (l *loader) checkTorchPath() (*hfModel, bool) {
	const at = "model.path#key"
	s := l.s
	p := s.File.Model.Path
	dir := s.ResolvePath(p)
	shown := p // where a relative path led, when it is not there
	if dir != p {
		shown = fmt.Sprintf("%s (%s)", p, dir)
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.errAt(at, "model.path %s does not exist; give the directory of a Hugging Face checkpoint (config.json, tokenizer, weights: docs/torch.md, \"Getting Llama-2 and other checkpoints\")", shown)
		return nil, false
	case err != nil:
		l.errAt(at, "model.path: %v", err)
		return nil, false
	case !info.IsDir():
		if strings.HasSuffix(dir, ".safetensors") {
			return nil, true // the built-in model's weights
		}
		l.errAt(at, "model.path %s is a file; want a Hugging Face checkpoint directory", p)
		return nil, false
	}
	has := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular()
	}
	// The worker reads a directory with recipe.json, or with weights and
	// no config.json, as the built-in model's (trainer/torch/loading.py).
	if has("recipe.json") || (!has("config.json") && has("model.safetensors")) {
		if !has("model.safetensors") {
			l.errAt(at, "model.path %s has a Go-trainer recipe.json but no model.safetensors", p)
			return nil, false
		}
		return nil, true
	}
	if !has("config.json") {
		l.errAt(at, "model.path %s has no config.json; want a Hugging Face checkpoint directory (config.json, tokenizer, weights)", p)
		return nil, false
	}
	config := filepath.Join(dir, "config.json")
	ok := true
	a, err := trainer.LoadHFConfig(config)
	if err != nil {
		l.errAt(at, "model.path: %v", err)
		ok = false
	}
	var mt struct {
		ModelType string `json:"model_type"`
	}
	if data, err := os.ReadFile(config); err == nil && json.Unmarshal(data, &mt) == nil && mt.ModelType == "" {
		l.errAt(at, "model.path: %s has no model_type, which transformers needs to pick the model class; want one of %s", config, strings.Join(trainer.HFModelTypes, ", "))
		ok = false
	}
	if missing := tokenizerMissing(has); missing != "" {
		l.errAt(at, "model.path %s has no tokenizer: %s", p, missing)
		ok = false
	}
	if !ok {
		return nil, false
	}
	return &hfModel{arch: a, modelType: mt.ModelType, shown: p}, true
}

// tokenizerMissing says what a checkpoint directory lacks for
// AutoTokenizer, or "" when it has a tokenizer: tokenizer.json (a fast
// tokenizer), tokenizer.model (SentencePiece, as LLaMA's) or vocab.json with
// merges.txt (byte-level BPE, as GPT-2's). tokenizer_config.json holds
// settings only, not a vocabulary.
func tokenizerMissing(has func(string) bool) string {
	if has("tokenizer.json") || has("tokenizer.model") || (has("vocab.json") && has("merges.txt")) {
		return ""
	}
	var found []string
	for _, f := range []string{"tokenizer_config.json", "vocab.json", "merges.txt"} {
		if has(f) {
			found = append(found, f)
		}
	}
	msg := "AutoTokenizer needs tokenizer.json, tokenizer.model (SentencePiece) or vocab.json with merges.txt"
	if len(found) > 0 {
		msg += "; found only " + strings.Join(found, ", ")
	}
	return msg
}

// checkSameShape reports a checkpoint whose shape is not the preset's or
// config's that the trials were counted with: the worker's count of the
// real adapter tensors would not match, and every attempt would fail.
func (l *loader) checkSameShape(hf *hfModel) {
	want, got := l.s.Arch, hf.arch
	var diffs []string
	for _, d := range []struct {
		name      string
		got, want any
	}{
		{"hidden", got.Hidden, want.Hidden}, {"layers", got.Layers, want.Layers}, {"heads", got.Heads, want.Heads},
		{"kv_heads", got.KVHeads, want.KVHeads}, {"ffn", got.FFN, want.FFN}, {"mlp", got.MLP, want.MLP},
	} {
		if d.got != d.want {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", d.name, d.got, d.want))
		}
	}
	if len(diffs) > 0 {
		l.errAt("model.path#key", "model.path %s (model_type %s) is not shaped as %s: %s", hf.shown, hf.modelType, want.Name, strings.Join(diffs, "; "))
	}
}
