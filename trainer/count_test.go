package trainer

import (
	"fmt"
	"strings"
	"testing"
)

func mustCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMethodsTable reproduces every number of the table in METHODS.md.
func TestMethodsTable(t *testing.T) {
	cat := mustCatalogue(t)
	uvOnly := Method{Name: "uv-only",
		A: Component{Tied: true, Init: "kaiming-uniform"}, B: Component{Tied: true, Init: "kaiming-uniform"},
		U: Component{Train: true, Init: "ones"}, V: Component{Train: true, Init: "zeros"}}
	tests := []struct {
		model                 string
		rank                  int
		lora, tl5, tl6, uvSum int64
	}{
		{"llama2-7b", 2, 1048576, 32768, 426048, 393280},
		{"llama2-7b", 8, 4194304, 131072, 524544, 393472},
		{"llama2-7b", 32, 16777216, 524288, 918528, 394240},
		{"llama2-7b", 128, 67108864, 2097152, 2494464, 397312},
		{"gpt-2b-001", 8, 1572864, 65536, 213184, 147648},
		{"gpt-2b-001", 128, 25165824, 1048576, 1199104, 150528},
	}
	for _, tt := range tests {
		arch, ok := Preset(tt.model)
		if !ok {
			t.Fatalf("no preset %s", tt.model)
		}
		for _, want := range []struct {
			method string
			n      int64
		}{{"lora", tt.lora}, {"tl5", tt.tl5}, {"tl6", tt.tl6}, {"uv-only", tt.uvSum}} {
			m, ok := cat.Lookup(want.method)
			if want.method == "uv-only" {
				m, ok = uvOnly, true
			}
			if !ok {
				t.Fatalf("no method %s", want.method)
			}
			got, err := CountParams(arch, m, tt.rank, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Trainable != want.n {
				t.Errorf("%s %s r=%d: got %d trainable, want %d", tt.model, want.method, tt.rank, got.Trainable, want.n)
			}
			if got.LoRA != tt.lora {
				t.Errorf("%s %s r=%d: got LoRA %d, want %d", tt.model, want.method, tt.rank, got.LoRA, tt.lora)
			}
		}
	}
}

func TestTL6PercentOfLoRA(t *testing.T) {
	arch, _ := Preset("llama2-7b")
	m, _ := mustCatalogue(t).Lookup("tl6")
	c, err := CountParams(arch, m, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%.2f", c.PercentOfLoRA); got != "12.51" {
		t.Errorf("got %s %% of LoRA, want 12.51", got)
	}
	// The paper: weight tying cuts LoRA's ~4.2M to ~131K, a 96.875 % reduction.
	tl5, _ := mustCatalogue(t).Lookup("tl5")
	c5, _ := CountParams(arch, tl5, 8, nil)
	if got := 100 - c5.PercentOfLoRA; got != 96.875 {
		t.Errorf("got TL5 reduction %v %%, want 96.875", got)
	}
}

// TestFormulas checks each catalogue method's count against the formula
// it prints, on a model without grouped-query attention.
func TestFormulas(t *testing.T) {
	arch, _ := Preset("gpt-2b-001")
	d, L := int64(arch.Hidden), int64(arch.Layers)
	for _, m := range mustCatalogue(t).Methods() {
		for _, r := range []int64{2, 16, 64} {
			eval := map[string]int64{
				"4Ldr": 4 * L * d * r, "4dr": 4 * d * r, "3dr": 3 * d * r, "dr": d * r,
				"L(r+3d)": L * (r + 3*d), "Lr": L * r, "0": 0,
			}
			var want int64
			for _, term := range strings.Split(m.Formula(), " + ") {
				v, ok := eval[term]
				if !ok {
					t.Fatalf("%s: formula term %q not understood", m.Name, term)
				}
				want += v
			}
			got, err := CountParams(arch, m, int(r), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Trainable != want {
				t.Errorf("%s r=%d: got %d, want %d from %q", m.Name, r, got.Trainable, want, m.Formula())
			}
		}
	}
}

func TestFormulaStrings(t *testing.T) {
	want := map[string]string{
		"lora": "4Ldr", "tl1": "L(r+3d)", "tl2": "dr + L(r+3d)", "tl3": "3dr + L(r+3d)",
		"tl4": "3dr", "tl5": "4dr", "tl6": "4dr + L(r+3d)", "tl7": "4dr + Lr", "vera": "L(r+3d)", "base": "0",
		"tl6-kaiming": "4dr + L(r+3d)", "tl1-kaiming": "L(r+3d)",
	}
	cat := mustCatalogue(t)
	for name, f := range want {
		m, ok := cat.Lookup(name)
		if !ok {
			t.Fatalf("no method %s", name)
		}
		if got := m.Formula(); got != f {
			t.Errorf("%s: got formula %q, want %q", name, got, f)
		}
	}
}

func TestBaseParams(t *testing.T) {
	tests := []struct {
		model string
		want  int64
	}{
		{"llama2-7b", 6738415616},
		{"llama2-13b", 13015864320},
		// NeMo GPT-2B-001 is ≈2.25e9.
		{"gpt-2b-001", 2253590528},
	}
	for _, tt := range tests {
		a, _ := Preset(tt.model)
		if got := a.BaseParams(); got != tt.want {
			t.Errorf("%s: got %d base parameters, want %d", tt.model, got, tt.want)
		}
	}
}

func TestGroupedQueryAttention(t *testing.T) {
	// A LLaMA-style model with 8 KV heads of 128: K and V are 1024 wide.
	a := Arch{Name: "gqa", Vocab: 32000, Hidden: 4096, Layers: 32, Heads: 32, KVHeads: 8, FFN: 14336,
		MLP: MLPSwiGLU, Norm: RMSNorm, Positions: RoPE}
	lora, _ := mustCatalogue(t).Lookup("lora")
	c, err := CountParams(a, lora, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	// per layer: A 8·4096 + B (4096+2·1024)·8.
	if want := int64(32 * (8*4096 + 6144*8)); c.Trainable != want {
		t.Errorf("got %d, want %d", c.Trainable, want)
	}
	sep, err := CountParams(a, lora, 8, []string{"q", "k", "v"})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(32 * ((8*4096 + 4096*8) + 2*(8*4096+1024*8))); sep.Trainable != want {
		t.Errorf("separate q/k/v: got %d, want %d", sep.Trainable, want)
	}
}

func TestValidateRejects(t *testing.T) {
	base := func() Method {
		m, _ := mustCatalogue(t).Lookup("lora")
		return m
	}
	tests := []struct {
		name   string
		mutate func(*Method)
		want   string
	}{
		{"no zero factor", func(m *Method) { m.B.Init = "kaiming-uniform" }, "the update does not start at zero"},
		{"two zero factors", func(m *Method) { m.V.Init = "zeros" }, "v.init: the update can never change: B and v both start at zero"},
		{"frozen zero factor", func(m *Method) { m.B.Train = false }, "B.train: the update can never change: B starts at zero and is frozen"},
		{"constant matrix", func(m *Method) { m.A.Init = "ones" }, "A.init: A is a matrix"},
		{"random vector", func(m *Method) { m.U.Init = "normal:0.1" }, "u.init: u is a scaling vector"},
		{"bad init", func(m *Method) { m.U.Init = "twos" }, `u.init: unknown init "twos"`},
		{"bad std", func(m *Method) { m.A.Init = "normal:-1" }, "standard deviation must be positive"},
	}
	for _, tt := range tests {
		m := base()
		tt.mutate(&m)
		errs := m.Validate()
		if len(errs) == 0 {
			t.Errorf("%s: no error, want %q", tt.name, tt.want)
			continue
		}
		if got := errs[0].Error(); !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want it to contain %q", tt.name, got, tt.want)
		}
	}
}

func TestAllTied(t *testing.T) {
	ms := mustCatalogue(t).AllTied()
	if len(ms) != 15 {
		t.Fatalf("got %d patterns, want 15", len(ms))
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if errs := m.Validate(); len(errs) > 0 {
			t.Errorf("%s is invalid: %v", m.Name, errs)
		}
		if !m.A.Tied || !m.B.Tied {
			t.Errorf("%s: A and B must be tied", m.Name)
		}
		if seen[m.Pattern()] {
			t.Errorf("%s: pattern %s twice", m.Name, m.Pattern())
		}
		seen[m.Pattern()] = true
	}
	names := map[string]bool{}
	for _, m := range ms {
		names[m.Name] = true
	}
	for _, want := range []string{"tl1", "tl2", "tl3", "tl4", "tl5", "tl6", "tl7", "tied-A", "tied-ABv"} {
		if !names[want] {
			t.Errorf("all-tied lacks %s", want)
		}
	}
}

func TestHFConfig(t *testing.T) {
	a, err := LoadHFConfig("testdata/llama2-7b-config.json")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Preset("llama2-7b")
	if got := a.BaseParams(); got != want.BaseParams() {
		t.Errorf("got %d base params, want %d", got, want.BaseParams())
	}
	if _, err := LoadHFConfig("testdata/incomplete-config.json"); err == nil || !strings.Contains(err.Error(), "lacks num_hidden_layers") {
		t.Errorf("got %v, want an error naming num_hidden_layers", err)
	}
}
