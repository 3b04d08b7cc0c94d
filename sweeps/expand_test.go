package sweeps

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func mustParse(t testing.TB, text string) *Sweep {
	t.Helper()
	s, err := Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

func ids(trials []Trial) []string {
	out := make([]string, len(trials))
	for i, t := range trials {
		out[i] = t.ID
	}
	sort.Strings(out)
	return out
}

// TestTrialIDsIgnoreOrder: the same trials whatever the order of keys in
// the file and of values in the axes.
func TestTrialIDsIgnoreOrder(t *testing.T) {
	a := mustParse(t, `
name: a
tasks: [syn-squad, syn-gsm8k]
methods: [lora, tl6]
ranks: [2, 8]
seeds: [1, 2]
hparams: {lr: [1e-3, 3e-3], steps: 100}
`)
	b := mustParse(t, `
hparams:
  steps: 100
  lr: [0.003, 0.001]
seeds: [2, 1]
ranks: [8, 2]
methods: [tl6, lora]
tasks: [syn-gsm8k, syn-squad]
name: b
`)
	ta, tb := a.Trials(), b.Trials()
	if len(ta) != 32 {
		t.Fatalf("got %d trials, want 32", len(ta))
	}
	ga, gb := ids(ta), ids(tb)
	for i := range ga {
		if ga[i] != gb[i] {
			t.Fatalf("trial IDs differ with order: got %v, want %v", gb, ga)
		}
	}
	seen := map[string]bool{}
	for _, id := range ga {
		if seen[id] {
			t.Fatalf("ID %s twice", id)
		}
		seen[id] = true
	}
	// A changed setting is a different trial.
	c := mustParse(t, strings.Replace(string(a.Text), "steps: 100", "steps: 101", 1))
	if got := ids(c.Trials()); got[0] == ga[0] && got[1] == ga[1] {
		t.Errorf("changing steps kept the IDs %v", got[:2])
	}
}

func TestZipAndExclude(t *testing.T) {
	s := mustParse(t, `
name: z
tasks: [syn-squad]
methods: [lora, tl5, tl6]
ranks: [2, 8, 128]
hparams:
  lr: [1e-3, 3e-3]
  warmup: [10, 30]
zip: [[lr, warmup]]
exclude:
  - {method: [tl5, tl6], rank: 128}
  - {methods: lora, lr: 0.003, warmup: 30}
`)
	trials := s.Trials()
	// 3 methods × 3 ranks × 2 zipped (lr, warmup) = 18, less tl5/tl6 at
	// 128 (4) and lora with the second lr (3).
	if got, want := len(trials), 18-4-3; got != want {
		t.Fatalf("got %d trials, want %d", got, want)
	}
	for _, tr := range trials {
		lr, _ := tr.HParam("lr")
		w, _ := tr.HParam("warmup")
		if (lr == 1e-3) != (w == int64(10)) {
			t.Errorf("zip broken: lr %v with warmup %v", lr, w)
		}
		if tr.Rank == 128 && tr.MethodName() != "lora" {
			t.Errorf("excluded trial present: %s r=%d", tr.MethodName(), tr.Rank)
		}
	}
	p := s.Plan()
	if p.Totals.Excluded != 7 {
		t.Errorf("got %d excluded, want 7", p.Totals.Excluded)
	}
}

func TestRanges(t *testing.T) {
	tests := []struct {
		axis string
		want string
	}{
		{"{from: 2, to: 8, step: 2}", "[2 4 6 8]"},
		{"{from: 1, to: 3}", "[1 2 3]"},
		{"{from: 0.1, to: 0.3, step: 0.1}", "[0.1 0.2 0.3]"},
		{"{from: 1e-4, to: 5e-4, step: 2e-4}", "[0.0001 0.0003 0.0005]"},
		{"{from: 8, to: 2, step: -3}", "[8 5 2]"},
		{"0.5", "[0.5]"},
	}
	for _, tt := range tests {
		s := mustParse(t, "name: r\nworker: {kind: command, command: [x]}\nhparams:\n  a: "+tt.axis+"\n")
		var got []string
		for _, tr := range s.Trials() {
			v, _ := tr.HParam("a")
			got = append(got, FormatValue(v))
		}
		if g := fmt.Sprint(got); g != tt.want {
			t.Errorf("%s: got %s, want %s", tt.axis, g, tt.want)
		}
	}
}

func TestCommandWorker(t *testing.T) {
	s := mustParse(t, `
name: bench-noop
worker:
  kind: command
  command: ["true"]
  report: exit-code
executor:
  kind: local
  slots: 2
seeds: {from: 1, to: 1000}
`)
	trials := s.Trials()
	if len(trials) != 1000 {
		t.Fatalf("got %d trials, want 1000", len(trials))
	}
	if tr := trials[999]; tr.Seed != 1000 || tr.Task != nil || tr.Method != nil || tr.Params != nil || len(tr.HParams) != 0 {
		t.Errorf("got %+v, want seed 1000 and nothing else", tr)
	}
	if s.File.Worker.Report != ReportExitCode {
		t.Errorf("got report %q, want exit-code", s.File.Worker.Report)
	}
}

func TestParamsOnTrials(t *testing.T) {
	s := mustParse(t, `
name: p
model: {preset: llama2-7b, init: random}
worker: torch
tasks: [{name: squad, data: {train: train.json}}]
methods: [all-tied, lora]
ranks: [8]
`)
	trials := s.Trials()
	if len(trials) != 16 {
		t.Fatalf("got %d trials, want 15 all-tied patterns + lora", len(trials))
	}
	for _, tr := range trials {
		want, err := trainer.CountParams(s.Arch, *tr.Method, tr.Rank, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Params == nil || tr.Params.Trainable != want.Trainable {
			t.Errorf("%s: got %v, want %d", tr.MethodName(), tr.Params, want.Trainable)
		}
		if tr.MethodName() == "tl6" && tr.Params.Trainable != 524544 {
			t.Errorf("tl6: got %d, want 524544", tr.Params.Trainable)
		}
	}
	// Worker defaults are part of the resolved trial.
	if v, ok := trials[0].HParam("lr"); !ok || v != 1e-4 {
		t.Errorf("got lr %v, want the torch default 1e-4", v)
	}
}

func TestDefineMethodOverrides(t *testing.T) {
	s := mustParse(t, `
name: d
tasks: [syn-squad]
methods: [tl6, lora-fa]
ranks: [4]
define_methods:
  - name: lora-fa
    description: LoRA with a frozen random A
    A: {train: false, init: "normal:0.02"}
    B: {train: true, init: zeros}
    u: {train: false, init: ones}
    v: {train: false, init: ones}
  - name: tl6
    A: {train: true, tied: true, init: "normal:0.02"}
    B: {train: true, tied: true, init: zeros}
    u: {train: true, init: ones}
    v: {train: true, init: ones}
`)
	for _, tr := range s.Trials() {
		switch tr.MethodName() {
		case "tl6":
			if tr.Method.A.Init != "normal:0.02" || tr.Method.Status != trainer.Custom {
				t.Errorf("tl6 not overridden: %+v", tr.Method)
			}
		case "lora-fa":
			// B per layer: 3d·r·L with d=128, L=4 (go-tiny), r=4.
			if want := int64(3 * 128 * 4 * 4); tr.Params.Trainable != want {
				t.Errorf("lora-fa: got %d, want %d", tr.Params.Trainable, want)
			}
		}
	}
}

// TestExampleInDocs loads the complete example of docs/sweep-file.md, so
// that the documentation cannot drift from the schema.
func TestExampleInDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/sweep-file.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- example -->\\s*```yaml\\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/sweep-file.md has no ```yaml block after <!-- example -->")
	}
	s, err := Parse("docs/sweep-file.md", m[1])
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Trials()); n == 0 {
		t.Error("the example plans no trial")
	}
}

func TestShippedSweeps(t *testing.T) {
	demo, err := Load("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(demo.Trials()); n != 30 {
		t.Errorf("demo.yaml: got %d trials, want 30", n)
	}
	mini, err := Load("../examples/paper-mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mini.Trials()); n != 550 {
		t.Errorf("paper-mini.yaml: got %d trials, want 550", n)
	}
	// The demo says each of its trials is one of paper-mini's, so that its
	// figures can be read against the full design's.
	inMini := map[string]bool{}
	for _, tr := range mini.Trials() {
		inMini[tr.ID] = true
	}
	for _, tr := range demo.Trials() {
		if !inMini[tr.ID] {
			t.Errorf("demo trial %s (%s %s r%d s%d) is not in paper-mini.yaml", tr.ID, tr.TaskName(), tr.MethodName(), tr.Rank, tr.Seed)
		}
	}
	// The paper sweeps name checkpoints that only a cluster has: loading
	// reports the missing directory, and with a stand-in directory of the
	// same shape the file plans.
	for _, tt := range []struct{ file, fixture string }{
		{"../examples/paper-llama2-7b.yaml", "testdata/models/llama2-7b"},
		{"../examples/paper-gpt-2b-001.yaml", "testdata/models/gpt-2b-001"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			m := modelPath.FindSubmatch(data)
			if m == nil {
				t.Fatalf("%s names no model.path", tt.file)
			}
			if _, err := os.Stat(string(m[2])); err != nil {
				_, err := Parse(tt.file, data)
				var list ErrorList
				if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, "does not exist") {
					t.Errorf("got %v, want one error: model.path %s does not exist", err, m[2])
				}
			}
			fixture, err := filepath.Abs(tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(tt.file, modelPath.ReplaceAll(data, []byte("${1}"+fixture)))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(s.Trials()); n != 720 {
				t.Errorf("got %d trials, want 720", n)
			}
		})
	}
}

// modelPath finds the model's path in the paper sweeps, which have no
// other key named path.
var modelPath = regexp.MustCompile(`(?m)^(\s+path:\s*)(\S+)$`)

func TestTrialJSON(t *testing.T) {
	s := mustParse(t, "name: j\ntasks: [syn-squad]\nmethods: [tl6]\nranks: [8]\nhparams: {lr: 0.01}\n")
	b, err := json.Marshal(s.Trials()[0])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	hp := got["hparams"].(map[string]any)
	if hp["lr"] != 0.01 || hp["steps"] != 300.0 {
		t.Errorf("got hparams %v, want lr 0.01 and the default steps 300", hp)
	}
	if got["method"].(map[string]any)["name"] != "tl6" || got["rank"] != 8.0 {
		t.Errorf("got %s", b)
	}
}

func TestErrorListIsAllAtOnce(t *testing.T) {
	_, err := Parse("x.yaml", []byte("name: x\nmethods: [lora, nope]\ntasks: [nope]\nranks: [0]\n"))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("got %v, want 3 errors", err)
	}
}

// benchSweep is a 100,000-trial grid: 5 tasks × 8 methods × 5 ranks × 5
// learning rates × 100 seeds.
const benchSweep = `
name: big
model: {preset: llama2-7b, init: random}
worker: torch
tasks: [syn-squad, syn-dialogsum, syn-hellaswag, syn-iwslt, syn-gsm8k]
methods: [lora, tl1, tl2, tl3, tl4, tl5, tl6, tl7]
ranks: [2, 8, 16, 32, 64]
seeds: {from: 1, to: 100}
hparams:
  lr: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3]
`

// BenchmarkPlan100k loads and expands a 100,000-trial sweep; it reports
// the heap the plan keeps (live-MB) and the peak heap in use (peak-MB).
func BenchmarkPlan100k(b *testing.B) {
	var peak, live uint64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		s, err := Parse("big.yaml", []byte(benchSweep))
		if err != nil {
			b.Fatal(err)
		}
		p := s.Plan()
		if len(p.Trials) != 100_000 {
			b.Fatalf("got %d trials", len(p.Trials))
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		peak = max(peak, after.HeapInuse)
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
		runtime.KeepAlive(p)
	}
	b.ReportMetric(float64(live)/1e6, "live-MB")
	b.ReportMetric(float64(peak)/1e6, "peak-MB")
}

func FuzzParse(f *testing.F) {
	files, _ := os.ReadDir("testdata/bad")
	for _, e := range files {
		if data, err := os.ReadFile("testdata/bad/" + e.Name()); err == nil && strings.HasSuffix(e.Name(), ".yaml") {
			f.Add(data)
		}
	}
	for _, name := range []string{"../examples/demo.yaml", "../examples/paper-mini.yaml", "../examples/paper-llama2-7b.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err) // a seed lost silently would shrink the corpus unseen
		}
		f.Add(data)
	}
	f.Add([]byte("name: f\nworker: {kind: command, command: [x, \"{seed}\"]}\nseeds: {from: 1, to: 3}\nzip: [[seeds, a]]\nhparams: {a: [1, 2, 3]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("got %T %v, want an ErrorList", err, err)
			}
			return
		}
		// Keep each run small: only expand sweeps of modest size.
		total := 1
		for _, g := range s.groups {
			total *= len(s.axes[g[0]].values)
		}
		if total <= 10_000 {
			_ = s.Plan()
		}
	})
}
