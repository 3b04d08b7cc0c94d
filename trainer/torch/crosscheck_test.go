package torch

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/safetensors"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// Tolerances of the cross-check, as relative errors (max |torch − Go| over
// max |Go| of each tensor). In float64 the two sides differ only by the
// order of their sums. In float32 the Go trainer's exp and tanh are its
// own approximations (about 1 ulp) and its GEMMs sum in another order.
var crossTol = map[string]float64{"float64": 1e-10, "float32": 2e-5}

type crossCase struct {
	Arch       trainer.Arch   `json:"arch"`
	Method     trainer.Method `json:"method"`
	Rank       int            `json:"rank"`
	Targets    []string       `json:"targets"`
	Seed       int64          `json:"seed"`
	DType      string         `json:"dtype"`
	Batch      int            `json:"batch"`
	T          int            `json:"t"`
	IDs        []int32        `json:"ids"`
	TargetsIDs []int32        `json:"targets_ids"`
}

type crossOut struct {
	Logits []float64            `json:"logits"`
	Loss   float64              `json:"loss"`
	Grads  map[string][]float64 `json:"grads"`
}

// goSide is one model built by the Go trainer with every tensor set to
// random float32 values (so both sides hold the same numbers), and its
// logits, loss and adapter gradients.
type goSide struct {
	logits []float64
	loss   float64
	grads  map[string][]float64
}

func buildGoCase[T mm.Float](t *testing.T, dir string, c crossCase) goSide {
	m, err := model.New[T](c.Arch, mm.Default(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Attach(c.Method, c.Rank, c.Targets, c.Seed); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 99))
	fill := func(ps []*model.Param[T], scale float64) []safetensors.Tensor {
		var ts []safetensors.Tensor
		for _, p := range ps {
			data := make([]float32, len(p.Data))
			for i := range data {
				data[i] = float32(rng.NormFloat64() * scale)
				if len(p.Shape) == 1 && strings.Contains(p.Name, "ln") && strings.HasSuffix(p.Name, "weight") {
					data[i] += 1 // norm gains near 1
				}
				p.Data[i] = T(data[i])
			}
			ts = append(ts, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: data})
		}
		return ts
	}
	if err := safetensors.Write(filepath.Join(dir, "base.safetensors"), fill(m.BaseParams(), 0.1), nil); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(filepath.Join(dir, "adapters.safetensors"), fill(m.AdapterParams(), 0.3), nil); err != nil {
		t.Fatal(err)
	}
	b := model.Batch{B: c.Batch, T: c.T, IDs: c.IDs, Targets: c.TargetsIDs}
	ws := m.NewWorkspace()
	m.ZeroGrad()
	loss, _ := m.Loss(b, ws, true, 1, nil)
	out := goSide{loss: loss, grads: map[string][]float64{}}
	for _, x := range ws.Logits() {
		out.logits = append(out.logits, float64(x))
	}
	for _, p := range m.AdapterParams() {
		if p.Trainable() {
			g := make([]float64, len(p.Grad))
			for i, x := range p.Grad {
				g[i] = float64(x)
			}
			out.grads[p.Name] = g
		}
	}
	return out
}

// relErr is max |got − want| / max |want|.
func relErr(got, want []float64) float64 {
	var num, den float64
	for i := range want {
		num = math.Max(num, math.Abs(got[i]-want[i]))
		den = math.Max(den, math.Abs(want[i]))
	}
	if den == 0 {
		return num
	}
	return num / den
}

// TestCrossCheckGotrain builds the same model with the same weights in the
// Go trainer and in this worker — every catalogue method, the fused QKV
// target and q, k, v, o, up, down together, float64 and float32 — and
// compares logits, loss and the gradient of every trained adapter tensor.
// It also checks that this worker tokenizes as the Go trainer's BPE does.
func TestCrossCheckGotrain(t *testing.T) {
	py := pythonOrSkip(t)
	arch := trainer.Arch{Name: "cross", Vocab: 300, Hidden: 32, Layers: 2, Heads: 2, KVHeads: 2, FFN: 128, Context: 16,
		MLP: trainer.MLPGelu, Norm: trainer.LayerNorm, Positions: trainer.Learned, Bias: true, TiedEmbed: true}
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	type job struct {
		name string
		dir  string
		c    crossCase
		want goSide
	}
	var jobs []job
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dtype := range []string{"float64", "float32"} {
		for _, targets := range [][]string{{"qkv"}, {"q", "k", "v", "o", "up", "down"}} {
			for i, meth := range cat.Methods() {
				c := crossCase{Arch: arch, Method: meth, Rank: 3, Targets: targets, Seed: int64(10 + i), DType: dtype, Batch: 2, T: 12}
				for j := 0; j < c.Batch*c.T; j++ {
					c.IDs = append(c.IDs, int32(rng.IntN(arch.Vocab)))
					tgt := int32(rng.IntN(arch.Vocab))
					if j%5 == 0 {
						tgt = nn.Ignore
					}
					c.TargetsIDs = append(c.TargetsIDs, tgt)
				}
				name := fmt.Sprintf("%s/%s/%s", dtype, strings.Join(targets, "+"), meth.Name)
				dir := filepath.Join(root, fmt.Sprintf("case-%d", len(jobs)))
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				var want goSide
				if dtype == "float64" {
					want = buildGoCase[float64](t, dir, c)
				} else {
					want = buildGoCase[float32](t, dir, c)
				}
				writeJSON(t, filepath.Join(dir, "case.json"), c)
				jobs = append(jobs, job{name, dir, c, want})
			}
		}
	}
	tokDir := filepath.Join(root, "tokenizer")
	texts := tokenizerCase(t, tokDir)

	dirs := []string{tokDir}
	for _, j := range jobs {
		dirs = append(dirs, j.dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{filepath.Join("tests", "crosscheck.py")}, dirs...)...)
	cmd.Env = pythonEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("crosscheck.py: %v\n%s", err, out)
	}

	worst := map[string]float64{}
	for _, j := range jobs {
		var got crossOut
		readJSON(t, filepath.Join(j.dir, "out.json"), &got)
		tol := crossTol[j.c.DType]
		check := func(what string, g, w []float64) {
			if len(g) != len(w) {
				t.Errorf("%s: %s: got %d values, want %d", j.name, what, len(g), len(w))
				return
			}
			e := relErr(g, w)
			worst[j.c.DType] = math.Max(worst[j.c.DType], e)
			if e > tol {
				t.Errorf("%s: %s: got relative error %.3g, want ≤ %g", j.name, what, e, tol)
			}
		}
		check("logits", got.Logits, j.want.logits)
		check("loss", []float64{got.Loss}, []float64{j.want.loss})
		if len(got.Grads) != len(j.want.grads) {
			t.Errorf("%s: got gradients of %d tensors, want %d", j.name, len(got.Grads), len(j.want.grads))
		}
		for n, w := range j.want.grads {
			check("grad "+n, got.Grads[n], w)
		}
	}
	t.Logf("largest relative error: float64 %.2g, float32 %.2g (tolerances %g, %g)", worst["float64"], worst["float32"], crossTol["float64"], crossTol["float32"])

	var gotTokens [][]int32
	readJSON(t, filepath.Join(tokDir, "tokens.json"), &gotTokens)
	tok, err := tokenizer.Load(filepath.Join(tokDir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		want := tok.Encode(s)
		if fmt.Sprint(gotTokens[i]) != fmt.Sprint(want) {
			t.Errorf("tokens of %q: got %v, want %v", s, gotTokens[i], want)
		}
	}
}

// tokenizerCase trains the Go BPE on synthetic task text and writes it
// with texts to encode; it returns the texts.
func tokenizerCase(t *testing.T, dir string) []string {
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, name := range []string{"syn-squad", "syn-gsm8k", "syn-iwslt"} {
		exs, err := tasks.Load(tasks.Config{Name: name, Size: 60}, tasks.Train)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range exs[:20] {
			texts = append(texts, e.Prompt+e.Target)
		}
	}
	texts = append(texts, "  two  spaces\tand tabs\n\nnewlines — ünïcödé 1234 x=3.5!!", "")
	tok, err := tokenizer.Train(texts, 400)
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, filepath.Join(dir, "texts.json"), texts)
	return texts
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
