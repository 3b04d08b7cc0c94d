package torch_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	torchworker "github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

// hfPython returns a python that imports torch, transformers and
// tokenizers ($TIEDLORA_PYTHON, else discovery), or skips the test.
func hfPython(t *testing.T) string {
	t.Helper()
	py, err := torchworker.DefaultFinder.Find(context.Background(), os.Getenv("TIEDLORA_PYTHON"))
	if errors.Is(err, torchworker.ErrNoPython) {
		testenv.Skipf(t, "skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, "-c", "import transformers, tokenizers").CombinedOutput(); err != nil {
		testenv.Skipf(t, "skipping: %s cannot import transformers (scripts/deps test makes .venv with it; set TIEDLORA_PYTHON): %s",
			py, lastLine(string(out)))
	}
	return py
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// makeTinyHF saves a tiny random transformers model of kind (llama, gpt2)
// with its tokenizer into dir, with tests/make_tiny_hf.py.
func makeTinyHF(t *testing.T, py, kind, dir string) string {
	t.Helper()
	cmd := exec.Command(py, filepath.Join("tests", "make_tiny_hf.py"), "--kind", kind, "--out", dir)
	cmd.Env = append(os.Environ(), "HF_HUB_OFFLINE=1", "OMP_NUM_THREADS=1", "PYTHONDONTWRITEBYTECODE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make_tiny_hf.py --kind %s: %v\n%s", kind, err, out)
	}
	return dir
}

// hfSweep is a sweep of the torch worker on a transformers checkpoint,
// small enough for two shared cores: 4 steps of 2 examples, 2 scored.
type hfSweep struct {
	name, model, python string
	methods, targets    []string
	steps, retries      int
	env                 map[string]string
}

func (h hfSweep) yaml() string {
	env := []string{`HF_HUB_OFFLINE: "1"`}
	for k, v := range h.env {
		env = append(env, fmt.Sprintf("%s: %q", k, v))
	}
	return fmt.Sprintf(`name: %s
model: {path: %q}
worker: {kind: torch, python: %q, env: {%s}}
executor: {kind: local, slots: 1, threads_per_trial: 1}
max_retries: %d
tasks:
  - {name: syn-squad, size: 40}
methods: [%s]
ranks: [2]
targets: [%s]
hparams:
  lr: 1e-3
  steps: %d
  batch_size: 2
  warmup: 1
  eval_every: 2
  checkpoint_every: 2
  max_seq_len: 96
  eval_examples: 2
  max_new_tokens: 8
  log_every: 1
`, h.name, h.model, h.python, strings.Join(env, ", "), h.retries, strings.Join(h.methods, ", "), strings.Join(h.targets, ", "), h.steps)
}

// run runs the sweep through the runner, as `sweep run` does, in dir.
func (h hfSweep) run(t *testing.T, dir string) (*sweeps.Sweep, *results.Store, runner.Summary) {
	t.Helper()
	began := time.Now()
	s, st, sum := runSweep(t, dir, h.yaml())
	t.Logf("%s: %d trials in %s", h.name, sum.Trials, time.Since(began).Round(time.Millisecond))
	return s, st, sum
}

// runSweep writes the sweep file into dir and runs it through the runner,
// as `sweep run` does; the store closes when the test ends.
func runSweep(t *testing.T, dir, yaml string) (*sweeps.Sweep, *results.Store, runner.Summary) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := sweeps.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(dir, "runs", s.File.Name)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := results.Open(filepath.Join(runDir, "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt := runner.Options{RunDir: runDir, CacheDir: filepath.Join(dir, "cache"), Scorer: runner.NewTaskScorer(),
		Executor: &runner.Local{Config: s.File.Executor}}
	sum, err := runner.New(s, st, opt).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, st, sum
}

// attemptRow is one attempt of a run, with its trial's method.
type attemptRow struct {
	dir, method, status, kind, err string
	number                         int
}

func attempts(t *testing.T, st *results.Store) []attemptRow {
	t.Helper()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT a.dir, t.method, a.number, a.status, coalesce(a.error_kind, ''),
		coalesce(a.error, '') || ' | ' || coalesce(a.stderr_tail, '') FROM attempts a JOIN trials t ON t.id = a.trial
		ORDER BY t.method, a.number`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []attemptRow
	for rows.Next() {
		var r attemptRow
		if err := rows.Scan(&r.dir, &r.method, &r.number, &r.status, &r.kind, &r.err); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// event is the part of a worker event these tests read.
type event struct {
	Event       string             `json:"event"`
	Step        int                `json:"step"`
	Split       string             `json:"split"`
	Values      map[string]float64 `json:"values"`
	Path        string             `json:"path"`
	Trainable   int64              `json:"trainable"`
	Total       int64              `json:"total"`
	ByComponent map[string]int64   `json:"by_component"`
}

func readEvents(t *testing.T, dir string) []event {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		out = append(out, e)
	}
	return out
}

func only(evs []event, kinds ...string) []event {
	var out []event
	for _, e := range evs {
		for _, k := range kinds {
			if e.Event == k {
				out = append(out, e)
			}
		}
	}
	return out
}

// TestHFSweep runs every catalogue method on a tiny LLaMA with grouped-
// query attention, and LoRA, TL6 and VeRA on a tiny GPT-2 (Conv1D
// projections, fused c_attn), each saved by transformers with its
// tokenizer, through the runner with `worker: torch` and `model: {path:
// DIR}`. Every trial must succeed and be scored by the runner, and each
// worker's params event must equal `sweep params --config DIR/config.json
// --method M --rank 2 --targets …` (trainer.CountParams of
// trainer.LoadHFConfig, what that command prints): trainable, by component
// and total.
func TestHFSweep(t *testing.T) {
	py := hfPython(t)
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind             string
		methods, targets []string
	}{
		{"llama", []string{"lora", "tl1", "tl2", "tl3", "tl4", "tl5", "tl6", "tl7", "vera"}, []string{"qkv", "o", "gate", "up", "down"}},
		{"gpt2", []string{"lora", "tl6", "vera"}, []string{"qkv", "o", "up", "down"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			dir := t.TempDir()
			model := makeTinyHF(t, py, tc.kind, filepath.Join(dir, tc.kind))
			arch, err := trainer.LoadHFConfig(filepath.Join(model, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			sw := hfSweep{name: "hf-" + tc.kind, model: model, python: py, methods: tc.methods, targets: tc.targets, steps: 4}
			_, st, sum := sw.run(t, dir)
			all := attempts(t, st)
			if sum.Trials != len(tc.methods) || sum.Succeeded != len(tc.methods) {
				for _, a := range all {
					if a.status != "succeeded" {
						t.Logf("%s attempt %d: %s [%s] %s", a.method, a.number, a.status, a.kind, a.err)
					}
				}
				t.Fatalf("got %d trials, %d succeeded; want %d, all", sum.Trials, sum.Succeeded, len(tc.methods))
			}
			var scored, mismatched int
			testenv.DB(t, st.Path()).QueryRow(`SELECT count(DISTINCT attempt) FROM scores WHERE source = 'runner'`).Scan(&scored)
			testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM attempts WHERE params_mismatch != 0`).Scan(&mismatched)
			if scored != len(tc.methods) || mismatched != 0 {
				t.Errorf("got %d attempts scored by the runner and %d params mismatches, want %d and 0", scored, mismatched, len(tc.methods))
			}
			for _, a := range all {
				m, ok := cat.Lookup(a.method)
				if !ok {
					t.Fatalf("no method %s in the catalogue", a.method)
				}
				want, err := trainer.CountParams(arch, m, 2, tc.targets)
				if err != nil {
					t.Fatal(err)
				}
				ps := only(readEvents(t, a.dir), "params")
				if len(ps) != 1 {
					t.Fatalf("%s: got %d params events, want 1", a.method, len(ps))
				}
				got := ps[0]
				if got.Trainable != want.Trainable || got.Total != want.Total() {
					t.Errorf("%s: got trainable %d, total %d; want %d, %d", a.method, got.Trainable, got.Total, want.Trainable, want.Total())
				}
				for _, c := range trainer.ComponentNames {
					if got.ByComponent[c] != want.ByComponent[c] {
						t.Errorf("%s: got %s = %d, want %d", a.method, c, got.ByComponent[c], want.ByComponent[c])
					}
				}
				if preds := only(readEvents(t, a.dir), "predictions"); len(preds) != 2 {
					t.Errorf("%s: got %d predictions events, want validation and test", a.method, len(preds))
				}
			}
		})
	}
}

// TestHFResumeAfterKill kills a TL6 attempt on the tiny LLaMA with SIGKILL
// right after its step-2 checkpoint (tests/killhook/sitecustomize.py); the
// runner's retry must get that checkpoint as resume_from, continue at step
// 3 and end with the losses of an uninterrupted run.
func TestHFResumeAfterKill(t *testing.T) {
	py := hfPython(t)
	dir := t.TempDir()
	model := makeTinyHF(t, py, "llama", filepath.Join(dir, "llama"))
	base := hfSweep{name: "hf-resume", model: model, python: py, methods: []string{"tl6"}, targets: []string{"qkv", "o"}, steps: 6}

	_, st, sum := base.run(t, filepath.Join(dir, "straight"))
	if sum.Succeeded != 1 {
		t.Fatalf("uninterrupted run: got %+v, want 1 trial succeeded", sum)
	}
	want := only(readEvents(t, attempts(t, st)[0].dir), "metric", "eval")

	mark := filepath.Join(dir, "killed")
	killed := base
	killed.retries = 1
	killed.env = map[string]string{"PYTHONPATH": mustAbsPath(t, filepath.Join("tests", "killhook")),
		"TIEDLORA_KILL_AFTER_CHECKPOINT": mark}
	_, st2, sum2 := killed.run(t, filepath.Join(dir, "killed-run"))
	as := attempts(t, st2)
	if sum2.Succeeded != 1 || len(as) != 2 {
		t.Fatalf("got %+v and %d attempts, want 1 trial succeeded on its second attempt (%+v)", sum2, len(as), as)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("the kill hook did not run: %v", err)
	}
	if as[0].status != "failed" || as[0].kind != "signal" || as[1].status != "succeeded" {
		t.Errorf("got attempts %s [%s], %s; want failed [signal], succeeded", as[0].status, as[0].kind, as[1].status)
	}
	ckpts := only(readEvents(t, as[0].dir), "checkpoint")
	if len(ckpts) != 1 || ckpts[0].Step != 2 {
		t.Fatalf("got checkpoints %+v in the killed attempt, want one at step 2", ckpts)
	}
	var spec trainer.Spec
	if data, err := os.ReadFile(filepath.Join(as[1].dir, "spec.json")); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.ResumeFrom != ckpts[0].Path {
		t.Errorf("got resume_from %q, want the killed attempt's checkpoint %q", spec.ResumeFrom, ckpts[0].Path)
	}

	got := only(readEvents(t, as[1].dir), "metric", "eval")
	var tail []event
	for _, e := range want {
		if e.Step > 2 {
			tail = append(tail, e)
		}
	}
	if len(got) == 0 || got[0].Step != 3 {
		t.Fatalf("got %d metric and eval events starting at step %v, want the resumed attempt to start at step 3", len(got), got)
	}
	if len(got) != len(tail) {
		t.Fatalf("got %d metric and eval events after the resume, want %d as in the uninterrupted run", len(got), len(tail))
	}
	for i := range got {
		g, w := got[i], tail[i]
		if g.Event != w.Event || g.Step != w.Step || g.Split != w.Split || math.Abs(g.Values["loss"]-w.Values["loss"]) > 1e-6 {
			t.Errorf("got %s %s step %d loss %.8f, want %s %s step %d loss %.8f", g.Event, g.Split, g.Step, g.Values["loss"],
				w.Event, w.Split, w.Step, w.Values["loss"])
		}
	}
}

func mustAbsPath(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
