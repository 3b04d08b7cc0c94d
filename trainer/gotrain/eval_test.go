package gotrain

import (
	"fmt"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
)

// TestEvalExamples: eval_examples caps the validation split only; the
// test split is always evaluated whole.
func TestEvalExamples(t *testing.T) {
	exs := make([]tasks.Example, 10)
	for i := range exs {
		exs[i].ID = fmt.Sprint(i)
	}
	tests := []struct {
		split       string
		limit, want int
	}{
		{tasks.Validation, 3, 3},
		{tasks.Validation, 0, 10},
		{tasks.Validation, 20, 10},
		{tasks.Test, 3, 10},
		{tasks.Test, 0, 10},
	}
	for _, tt := range tests {
		got := evalExamples(tt.split, exs, tt.limit)
		if len(got) != tt.want || got[0].ID != "0" {
			t.Errorf("%s, limit %d: got %d examples, want the first %d", tt.split, tt.limit, len(got), tt.want)
		}
	}
}
