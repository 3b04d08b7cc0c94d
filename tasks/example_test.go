package tasks

import (
	"slices"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
)

// TestMetricCaseAccNorm: acc_norm divides by the length of each choice
// without the template's separator, as lm-evaluation-harness does. With
// the space counted, " a" (−2 over 2) would beat " bbb" (−5 over 4);
// without it, "bbb" (−5 over 3) beats "a" (−2 over 1).
func TestMetricCaseAccNorm(t *testing.T) {
	tp, err := parseTemplate(Info{Name: "mc", Fields: []string{"ctx"}, Target: "ending"}, "{ctx} {ending}")
	if err != nil {
		t.Fatal(err)
	}
	rendered := tp.example(&record{id: "q", vals: []string{"context"}, choices: []string{"a", "bbb"}, gold: 1})
	// Decoded from JSON the separator is not stored; it is found again.
	decoded := Example{ID: "q", Prompt: "context", Target: " bbb", References: []string{"bbb"}, Choices: []string{" a", " bbb"}, Gold: 1}
	for _, tt := range []struct {
		name string
		e    Example
	}{{"rendered", rendered}, {"decoded", decoded}} {
		c := tt.e.MetricCase()
		if want := []string{"a", "bbb"}; !slices.Equal(c.Choices, want) {
			t.Errorf("%s: got choices %q, want %q", tt.name, c.Choices, want)
		}
		if !slices.Equal(tt.e.Choices, []string{" a", " bbb"}) {
			t.Errorf("%s: the example's own choices changed: got %q", tt.name, tt.e.Choices)
		}
		c.Logprobs = []float64{-2, -5}
		s, err := metrics.ScoreChoice(c.Logprobs, c.Choices, c.Gold)
		if err != nil {
			t.Fatal(err)
		}
		if s.PredNorm != 1 || s.AccNorm != 1 {
			t.Errorf("%s: got pred_norm %d acc_norm %v, want 1 and 1", tt.name, s.PredNorm, s.AccNorm)
		}
		if c.ID != "q" || c.Gold != 1 || !slices.Equal(c.References, []string{"bbb"}) {
			t.Errorf("%s: got case %+v", tt.name, c)
		}
	}
	// The separator stays in the example's JSON and training text.
	if got, want := rendered.Target, " bbb"; got != want {
		t.Errorf("target: got %q, want %q", got, want)
	}
	gen := Example{ID: "g", References: []string{"x"}}
	if c := gen.MetricCase(); c.Choices != nil || c.References[0] != "x" {
		t.Errorf("generation case: got %+v", c)
	}
}
