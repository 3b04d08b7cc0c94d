package sweeps

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestByMethodExpansion: a hyper-parameter given per method crosses each
// method with its own list (or the default) only.
func TestByMethodExpansion(t *testing.T) {
	const head = "name: bm\ntasks: [syn-squad]\nranks: [2]\n"
	tests := []struct {
		name string
		text string
		want []string // "method lr" per trial, in plan order
		// excluded: trials the exclude rules remove; what per-method
		// lists leave out is not counted.
		excluded int
	}{
		{"default and lists", "methods: [lora, tl1, vera]\nhparams:\n  lr:\n    by_method:\n      default: [1e-3, 3e-3, 1e-2]\n      tl1: [1e-2, 3e-2, 1e-1]\n      vera: [1e-2, 3e-2, 1e-1]\n",
			[]string{"lora 0.001", "lora 0.003", "lora 0.01", "tl1 0.01", "tl1 0.03", "tl1 0.1", "vera 0.01", "vera 0.03", "vera 0.1"}, 0},
		{"every method its own", "methods: [lora, tl6]\nhparams:\n  lr: {by_method: {lora: [1e-3], tl6: [1e-2, 3e-2]}}\n",
			[]string{"lora 0.001", "tl6 0.01", "tl6 0.03"}, 0},
		{"a single value and a range", "methods: [lora, base]\nhparams:\n  lr: {by_method: {default: {from: 0.001, to: 0.003, step: 0.001}, base: 0.001}}\n",
			[]string{"lora 0.001", "lora 0.002", "lora 0.003", "base 0.001"}, 0},
		{"crossed with another axis", "methods: [lora, tl5]\nhparams:\n  lr: {by_method: {default: [1e-3], tl5: [1e-2, 1e-1]}}\n  steps: [10, 20]\n",
			[]string{"lora 0.001 10", "lora 0.001 20", "tl5 0.01 10", "tl5 0.01 20", "tl5 0.1 10", "tl5 0.1 20"}, 0},
		{"with an exclude rule", "methods: [lora, tl5]\nhparams:\n  lr: {by_method: {default: [1e-3, 1e-2], tl5: [1e-2, 1e-1]}}\nexclude: [{method: tl5, lr: 0.1}]\n",
			[]string{"lora 0.001", "lora 0.01", "tl5 0.01"}, 1},
		{"all-tied names", "methods: [all-tied]\nhparams:\n  lr: {by_method: {default: [1e-2], tl6: [1e-3]}}\n", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, head+tt.text)
			p := s.Plan()
			if p.Totals.Excluded != tt.excluded {
				t.Errorf("got %d excluded, want %d", p.Totals.Excluded, tt.excluded)
			}
			for _, d := range p.Grid {
				if per := slices.Contains(d.Axes, "lr"); d.PerMethod != per {
					t.Errorf("got %v per method %v, want %v (only lr is given per method)", d.Axes, d.PerMethod, per)
				}
			}
			var got []string
			for _, tr := range p.Trials {
				lr, _ := tr.HParam("lr")
				row := fmt.Sprintf("%s %v", tr.MethodName(), lr)
				if strings.Contains(tt.text, "steps:") {
					st, _ := tr.HParam("steps")
					row += fmt.Sprintf(" %v", st)
				}
				got = append(got, row)
			}
			if tt.want == nil { // all-tied: 15 methods, one lr each; tl6's is its own
				if len(got) != 15 || !contains(got, "tl6 0.001") || !contains(got, "tl5 0.01") {
					t.Errorf("got %v, want 15 trials, tl6 at 0.001 and the others at 0.01", got)
				}
				return
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if p.Totals.Trials != len(tt.want) {
				t.Errorf("got %d trials in the totals, want %d", p.Totals.Trials, len(tt.want))
			}
			n := 0
			for _, c := range p.Totals.ByMethod {
				n += c
			}
			if n != len(tt.want) {
				t.Errorf("got %d trials by method, want %d", n, len(tt.want))
			}
		})
	}
}

// TestByMethodSameTrials: a trial is its content, so a method's trial
// from a per-method list is the trial of the same values given plainly.
func TestByMethodSameTrials(t *testing.T) {
	const head = "name: bm\ntasks: [syn-squad]\nranks: [2]\n"
	per := mustParse(t, head+"methods: [lora, tl1]\nhparams:\n  lr: {by_method: {lora: [1e-3], tl1: [1e-2]}}\n").Trials()
	lora := mustParse(t, head+"methods: [lora]\nhparams: {lr: 1e-3}\n").Trials()
	tl1 := mustParse(t, head+"methods: [tl1]\nhparams: {lr: 1e-2}\n").Trials()
	for i, want := range []Trial{lora[0], tl1[0]} {
		if per[i].MethodName() != want.MethodName() || per[i].ID != want.ID {
			t.Errorf("got %s %s, want %s %s", per[i].MethodName(), per[i].ID, want.MethodName(), want.ID)
		}
	}
}

// TestByMethodErrors: mistakes in per-method lists are reported where
// they are, one pass for all.
func TestByMethodErrors(t *testing.T) {
	const head = "name: bm\ntasks: [syn-squad]\nranks: [2]\n"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"unknown method", "methods: [lora, tl1]\nhparams:\n  lr:\n    by_method:\n      default: [1e-3]\n      tl9: [1e-2]\n",
			[]string{`test.yaml:9:7: hparams.lr.by_method: method "tl9" is not among the sweep's methods (did you mean "tl1"?); methods: lora, tl1`}},
		{"empty list", "methods: [lora, tl1]\nhparams:\n  lr:\n    by_method:\n      default: [1e-3]\n      tl1: []\n",
			[]string{"test.yaml:9:12: hparams.lr.by_method.tl1 is empty; give at least one value"}},
		{"no list and no default", "methods: [lora, tl1, tl6]\nhparams:\n  lr:\n    by_method:\n      tl1: [1e-2]\n",
			[]string{"test.yaml:7:5: hparams.lr.by_method: no values for lora, tl6 and no default; give them a list or add default: [...]"}},
		{"bad value", "methods: [lora]\nhparams:\n  lr:\n    by_method:\n      lora: [1e-3, 0]\n",
			[]string{"test.yaml:8:20: hparams.lr: must be greater than 0, got 0"}},
		{"listed twice", "methods: [lora]\nhparams:\n  lr: {by_method: {lora: [1e-3, 0.001]}}\n",
			[]string{"test.yaml:6:26: hparams.lr.by_method.lora lists 0.001 twice"}},
		{"key beside by_method", "methods: [lora]\nhparams:\n  lr: {by_method: {lora: [1e-3]}, from: 1}\n",
			[]string{`test.yaml:6:35: unknown key "from" in hparams.lr: with by_method, every value list is under it (default: [...], <method>: [...])`}},
		{"misspelt by_method", "methods: [lora]\nhparams:\n  lr: {by_methods: {lora: [1e-3]}}\n",
			[]string{`test.yaml:6:8: unknown key "by_methods" in hparams.lr (did you mean "by_method"?); a mapping here is a distribution (uniform, log_uniform, int_uniform, log_int_uniform, choice), a range {from, to, step} or by_method`}},
		{"zipped", "methods: [lora]\nhparams:\n  lr: {by_method: {lora: [1e-3, 1e-2]}}\n  steps: [10, 20]\nzip: [[lr, steps]]\n",
			[]string{"test.yaml:8:8: zip: hparams.lr has values per method (by_method); it cannot be zipped"}},
		{"no methods", "worker: {kind: command, command: [train]}\nhparams:\n  lr: {by_method: {default: [1e-3]}}\n",
			[]string{"test.yaml:6:8: hparams.lr.by_method: the sweep has no methods to give values for"}},
		{"a reference of one's own", "methods: [lora]\ndefine_methods:\n  - name: mine\n    reference: true\n    A: {train: false, init: zeros}\n    B: {train: false, init: zeros}\n    u: {train: false, init: ones}\n    v: {train: false, init: ones}\n",
			[]string{`test.yaml:7:16: method "mine": reference: true is reserved for the built-in base (the frozen model with no adapter)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(head+tt.text))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want errors %q", err, tt.want)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
