package trainer

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

// Arch is the shape of a base model: enough to count parameters and to
// build the Go trainer's or the PyTorch worker's model.
type Arch struct {
	Name      string `json:"name"`
	Vocab     int    `json:"vocab"`
	Hidden    int    `json:"hidden"`
	Layers    int    `json:"layers"`
	Heads     int    `json:"heads"`
	KVHeads   int    `json:"kv_heads"`
	FFN       int    `json:"ffn"`
	Context   int    `json:"context"`
	MLP       string `json:"mlp"`       // gelu (up, down) or swiglu (gate, up, down)
	Norm      string `json:"norm"`      // layernorm (gain and bias) or rmsnorm (gain)
	Positions string `json:"positions"` // learned (a table) or rope (no parameters)
	Bias      bool   `json:"bias"`      // linear layers have biases
	TiedEmbed bool   `json:"tied_embeddings"`
}

// The MLP, norm and position kinds.
const (
	MLPGelu   = "gelu"
	MLPSwiGLU = "swiglu"
	LayerNorm = "layernorm"
	RMSNorm   = "rmsnorm"
	Learned   = "learned"
	RoPE      = "rope"
)

var presets = map[string]Arch{
	// Touvron et al. 2023; 6,738,415,616 parameters.
	"llama2-7b": {Vocab: 32000, Hidden: 4096, Layers: 32, Heads: 32, KVHeads: 32, FFN: 11008, Context: 4096,
		MLP: MLPSwiGLU, Norm: RMSNorm, Positions: RoPE},
	"llama2-13b": {Vocab: 32000, Hidden: 5120, Layers: 40, Heads: 40, KVHeads: 40, FFN: 13824, Context: 4096,
		MLP: MLPSwiGLU, Norm: RMSNorm, Positions: RoPE},
	// NeMo GPT-2B-001: no biases, untied embeddings, 256k vocabulary.
	"gpt-2b-001": {Vocab: 256000, Hidden: 2048, Layers: 24, Heads: 16, KVHeads: 16, FFN: 5440, Context: 4096,
		MLP: MLPSwiGLU, Norm: LayerNorm, Positions: RoPE},
	// Small GPTs for the built-in Go trainer: learned positions, GELU MLP,
	// LayerNorm, biases, output head tied to the embedding. go-tiny is the
	// configuration of the trainer benchmark.
	"go-micro": {Vocab: 512, Hidden: 64, Layers: 2, Heads: 2, KVHeads: 2, FFN: 256, Context: 128,
		MLP: MLPGelu, Norm: LayerNorm, Positions: Learned, Bias: true, TiedEmbed: true},
	"go-tiny": {Vocab: 512, Hidden: 128, Layers: 4, Heads: 4, KVHeads: 4, FFN: 512, Context: 64,
		MLP: MLPGelu, Norm: LayerNorm, Positions: Learned, Bias: true, TiedEmbed: true},
	"go-small": {Vocab: 1024, Hidden: 256, Layers: 6, Heads: 8, KVHeads: 8, FFN: 1024, Context: 128,
		MLP: MLPGelu, Norm: LayerNorm, Positions: Learned, Bias: true, TiedEmbed: true},
	// Deep and narrow, so that tying across layers saves what it saves on
	// the paper's models: TL6 at rank 8 is 16 % of LoRA here (12.5 % on
	// LLaMA-2 7B with its 32 layers), where go-micro's 2 layers give 53 %.
	"go-deep": {Vocab: 512, Hidden: 64, Layers: 16, Heads: 4, KVHeads: 4, FFN: 256, Context: 128,
		MLP: MLPGelu, Norm: LayerNorm, Positions: Learned, Bias: true, TiedEmbed: true},
}

// PresetNames lists the architecture presets, sorted.
func PresetNames() []string {
	out := make([]string, 0, len(presets))
	for n := range presets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Preset returns the named architecture.
func Preset(name string) (Arch, bool) {
	a, ok := presets[name]
	a.Name = name
	return a, ok
}

// HeadDim is the width of one attention head.
func (a Arch) HeadDim() int { return a.Hidden / a.Heads }

// Validate checks that the shape is usable.
func (a Arch) Validate() error {
	var problems []string
	for _, f := range []struct {
		name string
		v    int
	}{{"vocab", a.Vocab}, {"hidden", a.Hidden}, {"layers", a.Layers}, {"heads", a.Heads}, {"kv_heads", a.KVHeads}, {"ffn", a.FFN}} {
		if f.v <= 0 {
			problems = append(problems, fmt.Sprintf("%s must be positive, got %d", f.name, f.v))
		}
	}
	if len(problems) == 0 {
		if a.Hidden%a.Heads != 0 {
			problems = append(problems, fmt.Sprintf("hidden %d is not a multiple of heads %d", a.Hidden, a.Heads))
		}
		if a.Heads%a.KVHeads != 0 {
			problems = append(problems, fmt.Sprintf("heads %d is not a multiple of kv_heads %d", a.Heads, a.KVHeads))
		}
	}
	if a.MLP != MLPGelu && a.MLP != MLPSwiGLU {
		problems = append(problems, fmt.Sprintf("mlp must be %s or %s, got %q", MLPGelu, MLPSwiGLU, a.MLP))
	}
	if a.Norm != LayerNorm && a.Norm != RMSNorm {
		problems = append(problems, fmt.Sprintf("norm must be %s or %s, got %q", LayerNorm, RMSNorm, a.Norm))
	}
	if a.Positions != Learned && a.Positions != RoPE {
		problems = append(problems, fmt.Sprintf("positions must be %s or %s, got %q", Learned, RoPE, a.Positions))
	}
	if a.Positions == Learned && a.Context <= 0 {
		problems = append(problems, "learned positions need a positive context length")
	}
	if len(problems) > 0 {
		return fmt.Errorf("architecture %s: %s", a.Name, strings.Join(problems, "; "))
	}
	return nil
}

// BaseParams counts the base model's parameters.
func (a Arch) BaseParams() int64 {
	d, L := int64(a.Hidden), int64(a.Layers)
	kv := int64(a.KVHeads * a.HeadDim())
	bias := func(n int64) int64 {
		if a.Bias {
			return n
		}
		return 0
	}
	norm := d // rmsnorm: a gain
	if a.Norm == LayerNorm {
		norm = 2 * d
	}
	attn := d*(d+2*kv) + bias(d+2*kv) + d*d + bias(d)
	f := int64(a.FFN)
	mlp := 2*d*f + bias(f) + bias(d)
	if a.MLP == MLPSwiGLU {
		mlp = 3*d*f + bias(2*f) + bias(d)
	}
	n := L*(attn+mlp+2*norm) + norm + int64(a.Vocab)*d
	if !a.TiedEmbed {
		n += int64(a.Vocab) * d
	}
	if a.Positions == Learned {
		n += int64(a.Context) * d
	}
	return n
}

// Target names the projections an adapter can wrap.
const (
	TargetQKV  = "qkv"  // fused Q, K, V with one A (the paper's)
	TargetQ    = "q"    // separate adapters for q, k and v
	TargetK    = "k"    //
	TargetV    = "v"    //
	TargetO    = "o"    // attention output
	TargetGate = "gate" // SwiGLU gate projection
	TargetUp   = "up"   // MLP input (fc1 in a GELU MLP)
	TargetDown = "down" // MLP output (fc2)
)

// TargetNames lists every adapter target.
var TargetNames = []string{TargetQKV, TargetQ, TargetK, TargetV, TargetO, TargetGate, TargetUp, TargetDown}

// DefaultTargets is the paper's choice: the fused QKV projection only.
var DefaultTargets = []string{TargetQKV}

// TargetShape returns the input and output width of a target projection.
// With grouped-query attention K and V are kv_heads·head_dim wide.
func (a Arch) TargetShape(target string) (din, dout int, err error) {
	d, kv := a.Hidden, a.KVHeads*a.HeadDim()
	switch target {
	case TargetQKV:
		return d, d + 2*kv, nil
	case TargetQ, TargetO:
		return d, d, nil
	case TargetK, TargetV:
		return d, kv, nil
	case TargetUp:
		return d, a.FFN, nil
	case TargetDown:
		return a.FFN, d, nil
	case TargetGate:
		if a.MLP != MLPSwiGLU {
			return 0, 0, fmt.Errorf("target gate needs a SwiGLU MLP; %s has a %s MLP", a.Name, a.MLP)
		}
		return d, a.FFN, nil
	}
	return 0, 0, fmt.Errorf("unknown adapter target %q (want one of %s)", target, strings.Join(TargetNames, ", "))
}

// hfConfig holds the keys of a Hugging Face config.json that matter here,
// in both the LLaMA-style and the GPT-2-style spelling.
type hfConfig struct {
	ModelType         string `json:"model_type"`
	HiddenSize        int    `json:"hidden_size"`
	NumHiddenLayers   int    `json:"num_hidden_layers"`
	NumAttentionHeads int    `json:"num_attention_heads"`
	NumKeyValueHeads  int    `json:"num_key_value_heads"`
	IntermediateSize  int    `json:"intermediate_size"`
	VocabSize         int    `json:"vocab_size"`
	MaxPositions      int    `json:"max_position_embeddings"`
	TieWordEmbeddings *bool  `json:"tie_word_embeddings"`
	HiddenAct         string `json:"hidden_act"`
	HeadDim           int    `json:"head_dim"`
	// GPT-2 names.
	NEmbd      int `json:"n_embd"`
	NLayer     int `json:"n_layer"`
	NHead      int `json:"n_head"`
	NInner     int `json:"n_inner"`
	NPositions int `json:"n_positions"`
}

// HFModelTypes are the Hugging Face model_type values whose projections
// the PyTorch worker can adapt: GPT-2's fused c_attn, c_proj, c_fc, and the
// LLaMA layout's q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,
// down_proj under model.layers.
var HFModelTypes = []string{"gpt2", "llama", "mistral", "qwen2"}

// LoadHFConfig reads a Hugging Face config.json. LLaMA-family models
// (model_type llama, mistral, qwen2: SwiGLU, RMSNorm, RoPE) and GPT-2 are
// understood; another model_type is an error, since its projections have
// other names or shapes. num_key_value_heads defaults to the number of
// heads, as in transformers.
func LoadHFConfig(path string) (Arch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Arch{}, err
	}
	var c hfConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return Arch{}, fmt.Errorf("%s: not a Hugging Face config.json: %w", path, err)
	}
	return c.arch(path)
}

func (c hfConfig) arch(path string) (Arch, error) {
	a := Arch{Name: path, Vocab: c.VocabSize}
	// A config without model_type is one written by hand for counting;
	// its keys say which layout it is.
	if c.ModelType != "" && !slices.Contains(HFModelTypes, c.ModelType) {
		return Arch{}, fmt.Errorf("%s: model_type %q is not supported; adapters attach to %s", path, c.ModelType, strings.Join(HFModelTypes, ", "))
	}
	if c.ModelType == "gpt2" || (c.HiddenSize == 0 && c.NEmbd > 0) {
		a.Hidden, a.Layers, a.Heads, a.KVHeads = c.NEmbd, c.NLayer, c.NHead, c.NHead
		a.FFN = c.NInner
		if a.FFN == 0 {
			a.FFN = 4 * c.NEmbd
		}
		a.Context = c.NPositions
		a.MLP, a.Norm, a.Positions, a.Bias, a.TiedEmbed = MLPGelu, LayerNorm, Learned, true, true
	} else {
		a.Hidden, a.Layers, a.Heads = c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads
		a.KVHeads = c.NumKeyValueHeads
		if a.KVHeads == 0 {
			a.KVHeads = a.Heads
		}
		a.FFN, a.Context = c.IntermediateSize, c.MaxPositions
		a.MLP, a.Norm, a.Positions = MLPSwiGLU, RMSNorm, RoPE
		if c.TieWordEmbeddings != nil {
			a.TiedEmbed = *c.TieWordEmbeddings
		}
	}
	var missing []string
	for _, f := range []struct {
		key string
		v   int
	}{{"hidden_size", a.Hidden}, {"num_hidden_layers", a.Layers}, {"num_attention_heads", a.Heads}, {"vocab_size", a.Vocab}, {"intermediate_size", a.FFN}} {
		if f.v == 0 {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return Arch{}, fmt.Errorf("%s: config.json lacks %s", path, strings.Join(missing, ", "))
	}
	if err := a.Validate(); err != nil {
		return Arch{}, err
	}
	// Adapter shapes assume heads of hidden/heads (Mistral-Nemo's do not).
	if c.HeadDim != 0 && c.HeadDim != a.HeadDim() {
		return Arch{}, fmt.Errorf("%s: head_dim %d differs from hidden_size/num_attention_heads = %d; not supported", path, c.HeadDim, a.HeadDim())
	}
	return a, nil
}
