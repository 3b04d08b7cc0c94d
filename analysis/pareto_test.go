package analysis

import "testing"

func TestDominated(t *testing.T) {
	tests := []struct {
		name  string
		pts   []ParetoPoint
		goal  string
		front []bool
	}{
		{"cheaper and better by more than the noise", []ParetoPoint{{Trainable: 10, Mean: 80, Std: 1}, {Trainable: 20, Mean: 70, Std: 1}}, "max", []bool{true, false}},
		{"cheaper and better within the noise", []ParetoPoint{{Trainable: 10, Mean: 71, Std: 1}, {Trainable: 20, Mean: 70, Std: 1}}, "max", []bool{true, true}},
		{"dearer and better", []ParetoPoint{{Trainable: 10, Mean: 70}, {Trainable: 20, Mean: 80}}, "max", []bool{true, true}},
		{"same count, one seed each", []ParetoPoint{{Trainable: 10, Mean: 70}, {Trainable: 10, Mean: 70.1}}, "max", []bool{false, true}},
		{"equal points", []ParetoPoint{{Trainable: 10, Mean: 70}, {Trainable: 10, Mean: 70}}, "max", []bool{true, true}},
		{"lower is better", []ParetoPoint{{Trainable: 10, Mean: 1.0}, {Trainable: 20, Mean: 2.0}}, "min", []bool{true, false}},
	}
	for _, tt := range tests {
		for i := range tt.pts {
			if got := !dominated(tt.pts, i, tt.goal); got != tt.front[i] {
				t.Errorf("%s: point %d: got on front %v, want %v", tt.name, i, got, tt.front[i])
			}
		}
	}
}
