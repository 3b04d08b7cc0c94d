package sweeps

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestDefaultsScaleWithTheRun: a warm-up the file leaves out is steps/20
// (go) or steps/10 (torch) of each trial's own steps, early stopping is
// off, and a value the file gives wins.
func TestDefaultsScaleWithTheRun(t *testing.T) {
	const tail = "tasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"
	tests := []struct {
		name   string
		worker string
		hp     string // the hparams mapping
		want   []string
	}{
		{"go default steps", "go", "", []string{"steps=300 warmup=15 patience=0"}},
		{"go 80 steps", "go", "{steps: 80}", []string{"steps=80 warmup=4 patience=0"}},
		{"go steps axis", "go", "{steps: [80, 400, 10]}", []string{"steps=80 warmup=4 patience=0", "steps=400 warmup=20 patience=0", "steps=10 warmup=0 patience=0"}},
		{"go file wins", "go", "{steps: 80, warmup: 30, patience: 10}", []string{"steps=80 warmup=30 patience=10"}},
		{"torch default steps", "torch", "", []string{"steps=1000 warmup=100 patience=0"}},
		{"torch 80 steps", "torch", "{steps: 80}", []string{"steps=80 warmup=8 patience=0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "name: d\nmodel: go-micro\nworker: " + tt.worker + "\n" + tail
			if tt.hp != "" {
				text += "hparams: " + tt.hp + "\n"
			}
			var got []string
			for _, tr := range mustParse(t, text).Trials() {
				var parts []string
				for _, name := range []string{"steps", "warmup", "patience"} {
					v, _ := tr.HParam(name)
					parts = append(parts, fmt.Sprintf("%s=%v", name, v))
				}
				got = append(got, strings.Join(parts, " "))
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDerivedDefaultSameTrial: a trial that relies on the defaults is the
// trial that writes them out.
func TestDerivedDefaultSameTrial(t *testing.T) {
	const head = "name: d\nmodel: go-micro\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"
	tests := []struct{ worker, implicit, explicit string }{
		{"go", "{steps: [80, 400]}", "{steps: [80, 400], warmup: [4, 20], patience: 0}\nzip: [[steps, warmup]]"},
		{"torch", "{steps: 1000}", "{steps: 1000, warmup: 100, patience: 0}"},
	}
	for _, tt := range tests {
		a := ids(mustParse(t, head+"worker: "+tt.worker+"\nhparams: "+tt.implicit+"\n").Trials())
		b := ids(mustParse(t, head+"worker: "+tt.worker+"\nhparams: "+tt.explicit+"\n").Trials())
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%s: got IDs %v with defaults, %v written out; want the same", tt.worker, a, b)
		}
	}
}

// TestDerivedDefaultInPlan: the plan shows how the default is derived and
// the values it takes, and crosses nothing with it.
func TestDerivedDefaultInPlan(t *testing.T) {
	p := mustParse(t, "name: d\nmodel: go-micro\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\nhparams: {steps: [80, 400]}\n").Plan()
	if p.Totals.Trials != 2 {
		t.Errorf("got %d trials, want 2", p.Totals.Trials)
	}
	for _, a := range p.Axes {
		if a.Name == "warmup" {
			if !a.Default || a.Derived != "steps/20" || fmt.Sprint(a.Values) != "[4 20]" {
				t.Errorf("got warmup axis %+v, want a default steps/20 taking [4 20]", a)
			}
			return
		}
	}
	t.Errorf("got axes %+v, want warmup among them", p.Axes)
}

// TestDerivedDefaultNotAnAxis: zip and exclude cannot name a default that
// the file does not set.
func TestDerivedDefaultNotAnAxis(t *testing.T) {
	const head = "name: d\nmodel: go-micro\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\nhparams: {lr: [1e-3, 3e-3]}\n"
	tests := []struct{ extra, want string }{
		{"zip: [[lr, warmup]]\n", "test.yaml:7:12: zip: warmup is not set in the file (its default is steps/20); give its values under hparams"},
		{"exclude: [{warmup: 15}]\n", "test.yaml:7:12: exclude: warmup is not set in the file (its default is steps/20 of each trial); give its values under hparams"},
	}
	for _, tt := range tests {
		_, err := Parse("test.yaml", []byte(head+tt.extra))
		var list ErrorList
		if !errors.As(err, &list) || len(list) != 1 || list[0].Error() != tt.want {
			t.Errorf("%q: got %v, want %q", tt.extra, err, tt.want)
		}
	}
}

// TestZeroMeansAll: eval_examples 0 asks the worker for every validation
// example, as both workers read it; below 0 is an error at its place.
func TestZeroMeansAll(t *testing.T) {
	const head = "name: z\nmodel: go-tiny\nworker: go\ntasks: [syn-squad]\nmethods: [lora]\nranks: [2]\n"
	s := mustParse(t, head+"hparams: {eval_examples: 0}\n")
	if v, ok := s.Trials()[0].HParam("eval_examples"); !ok || v != int64(0) {
		t.Errorf("got eval_examples %v (%v), want 0", v, ok)
	}
	_, err := Parse("z.yaml", []byte(head+"hparams: {eval_examples: -1}\n"))
	if err == nil || !strings.Contains(err.Error(), "z.yaml:7:") || !strings.Contains(err.Error(), "eval_examples") {
		t.Errorf("got %v, want an error at z.yaml:7 naming eval_examples", err)
	}
}
