package trainer

import (
	"strings"
	"testing"
)

// TestCountLimits: a rank above the adapted width is refused, and a count
// that would leave int64 is an error, never a wrapped negative number.
func TestCountLimits(t *testing.T) {
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	lora, _ := cat.Lookup("lora")
	llama, _ := Preset("llama2-7b")
	tests := []struct {
		name string
		arch Arch
		rank int
		want string // "" means a count
	}{
		{"the issue's rank", llama, 4503599627370496, "rank 4503599627370496 exceeds the adapted width 4096"},
		{"one above the width", llama, 4097, "exceeds the adapted width 4096"},
		{"the width", llama, 4096, ""},
		{"overflow", Arch{Name: "huge", Vocab: 8, Hidden: 1 << 40, Layers: 1 << 20, Heads: 1, KVHeads: 1, FFN: 8, Context: 8}, 1 << 30, "overflows 64 bits"},
	}
	for _, tt := range tests {
		c, err := CountParams(tt.arch, lora, tt.rank, []string{"q"})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want == "" && c.Trainable != 2*4096*4096*32:
			t.Errorf("%s: got %d trainable, want %d", tt.name, c.Trainable, 2*4096*4096*32)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: got %v (trainable %d), want an error containing %q", tt.name, err, c.Trainable, tt.want)
		}
	}
}
