package trainer

import (
	"strings"
	"testing"
)

// TestInitParse: each rule's kind and number, and the rules refused.
func TestInitParse(t *testing.T) {
	for _, tc := range []struct {
		in   Init
		kind InitKind
		x    float64
		err  string
	}{
		{"zeros", InitZeros, 0, ""},
		{"const:0", InitZeros, 0, ""},
		{"const:0.1", InitConst, 0.1, ""},
		{"kaiming-uniform", InitKaiming, 0, ""},
		{"kaiming-uniform-relu", InitKaimingReLU, 0, ""},
		{"normal:0.02", InitNormal, 0.02, ""},
		{"kaiming-uniform-relu:2", InitInvalid, 0, `init "kaiming-uniform-relu" takes no number`},
		{"kaiming-uniform-gelu", InitInvalid, 0, "unknown init"},
	} {
		kind, x, err := tc.in.Parse()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if kind != tc.kind || x != tc.x || (tc.err == "") != (err == nil) || !strings.Contains(got, tc.err) {
			t.Errorf("%q: got (%d, %g, %q), want (%d, %g, %q)", tc.in, kind, x, got, tc.kind, tc.x, tc.err)
		}
	}
}

// TestKaimingReLUIsForMatrices: VeRA's init is a matrix rule; a scaling
// vector with it is refused, as with kaiming-uniform.
func TestKaimingReLUIsForMatrices(t *testing.T) {
	m, ok := mustCatalogue(t).Lookup("vera")
	if !ok {
		t.Fatal("no vera in the catalogue")
	}
	if m.A.Init != "kaiming-uniform-relu" || m.B.Init != "kaiming-uniform-relu" {
		t.Errorf("vera: got A %q, B %q, want kaiming-uniform-relu for both (HF PEFT's VeRA)", m.A.Init, m.B.Init)
	}
	if errs := m.Validate(); len(errs) != 0 {
		t.Errorf("vera: got %v, want no error", errs)
	}
	m.U.Init = "kaiming-uniform-relu"
	errs := m.Validate()
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "u.init: u is a scaling vector") {
		t.Errorf("u with kaiming-uniform-relu: got %v, want u.init: u is a scaling vector", errs)
	}
}
