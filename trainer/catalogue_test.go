package trainer

import (
	"errors"
	"strings"
	"testing"
)

// TestAuthorsInit: tl1…tl7 start as the authors' VeraAdapter does (A, B
// N(0, 1); u at 1; v the zero-start factor, or B when v is frozen at 1),
// and each tlN-kaiming keeps the pattern with the LoRA-style start.
func TestAuthorsInit(t *testing.T) {
	cat := mustCatalogue(t)
	tests := []struct {
		name       string
		a, b, u, v Init
	}{
		{"tl1", "normal:1", "normal:1", "ones", "zeros"},
		{"tl2", "normal:1", "normal:1", "ones", "zeros"},
		{"tl3", "normal:1", "normal:1", "ones", "zeros"},
		{"tl4", "normal:1", "zeros", "ones", "ones"},
		{"tl5", "normal:1", "zeros", "ones", "ones"},
		{"tl6", "normal:1", "normal:1", "ones", "zeros"},
		{"tl7", "normal:1", "zeros", "ones", "ones"},
		{"tl1-kaiming", "kaiming-uniform", "kaiming-uniform", "ones", "zeros"},
		{"tl3-kaiming", "kaiming-uniform", "zeros", "ones", "ones"},
		{"tl6-kaiming", "kaiming-uniform", "zeros", "ones", "ones"},
		{"lora", "kaiming-uniform", "zeros", "ones", "ones"},
		{"vera", "kaiming-uniform-relu", "kaiming-uniform-relu", "const:0.1", "zeros"},
	}
	for _, tt := range tests {
		m, ok := cat.Lookup(tt.name)
		if !ok {
			t.Fatalf("no method %s", tt.name)
		}
		if m.A.Init != tt.a || m.B.Init != tt.b || m.U.Init != tt.u || m.V.Init != tt.v {
			t.Errorf("%s: got inits A %s, B %s, u %s, v %s; want %s, %s, %s, %s", tt.name, m.A.Init, m.B.Init, m.U.Init, m.V.Init, tt.a, tt.b, tt.u, tt.v)
		}
		if m.Notes == "" {
			t.Errorf("%s: got no notes, want what is verified and by what source", tt.name)
		}
	}
	for i := 1; i <= 7; i++ {
		name := string(rune('0' + i))
		m, _ := cat.Lookup("tl" + name)
		v, _ := cat.Lookup("tl" + name + "-kaiming")
		if m.Pattern() != v.Pattern() || !m.A.Tied || !m.B.Tied {
			t.Errorf("tl%s: got pattern %s, variant %s; want the same, A and B tied", name, m.Pattern(), v.Pattern())
		}
		if !strings.Contains(m.Notes, "init: authors' code") {
			t.Errorf("tl%s: got notes %q, want init: authors' code", name, m.Notes)
		}
	}
}

// TestReferenceMethod: base counts nothing, is the only reference method,
// and a sweep cannot add another.
func TestReferenceMethod(t *testing.T) {
	cat := mustCatalogue(t)
	base, ok := cat.Lookup("base")
	if !ok || !base.Reference || base.Status != StatusReference {
		t.Fatalf("got base %+v, want a reference method", base)
	}
	for _, m := range cat.Methods() {
		if m.Reference && m.Name != "base" {
			t.Errorf("got reference method %s, want only base", m.Name)
		}
	}
	arch, _ := Preset("llama2-7b")
	c, err := CountParams(arch, base, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Trainable != 0 || c.Frozen != 0 || c.PercentOfLoRA != 0 || c.LoRA != 4194304 || c.Total() != arch.BaseParams() {
		t.Errorf("got %+v, want 0 trainable, 0 frozen, 0 %% of LoRA's 4194304, the base alone", c)
	}
	if got := base.Formula(); got != "0" {
		t.Errorf("got formula %q, want 0", got)
	}
	if err := cat.Clone().Add(base); !errors.Is(err, ErrReferenceReserved) {
		t.Errorf("Add(base): got %v, want ErrReferenceReserved", err)
	}

	tests := []struct {
		name   string
		mutate func(*Method)
		want   string // "" for valid
	}{
		{"as built", func(*Method) {}, ""},
		{"trains v", func(m *Method) { m.V.Train = true }, "v.train: a reference method trains nothing"},
		{"no zero factor", func(m *Method) { m.A.Init, m.B.Init = "normal:1", "normal:1" }, "must be zero"},
		{"not marked", func(m *Method) { m.Reference = false }, "the update can never change"},
	}
	for _, tt := range tests {
		m := base
		tt.mutate(&m)
		errs := m.Validate()
		got := ""
		if len(errs) > 0 {
			got = errs[0].Error()
		}
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
