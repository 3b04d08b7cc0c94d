package plots

import (
	"math"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

func TestMeanStd(t *testing.T) {
	tests := []struct {
		st   analysis.Stat
		d    int
		want string
	}{
		{analysis.Stat{N: 3, Mean: 69.4321, Std: 1.0149}, 2, "69.43 ± 1.01"},
		{analysis.Stat{N: 1, Mean: 0.31402, Std: 0}, 4, "0.3140"}, // one seed: no spread to show
		{analysis.Stat{N: 0, Mean: math.NaN(), Std: math.NaN()}, 2, "–"},
	}
	for _, tt := range tests {
		if got := meanStd(tt.st, tt.d); got != tt.want {
			t.Errorf("meanStd(%+v, %d): got %q, want %q", tt.st, tt.d, got, tt.want)
		}
	}
}
