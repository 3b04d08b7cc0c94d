package torchbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/internal/benchpy"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	torchworker "github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

// Module is the Python side, run with -m.
const Module = torchworker.Package + ".bench_peft"

// Goal is the most either ratio may be: our LoRA over PEFT's, TL6 over
// our LoRA.
const Goal = 1.05

// Config is the benchmark. Adapters go on Targets as separate q_proj,
// k_proj, v_proj adapters for both implementations, so the two LoRAs have
// the same tensors; Extra adds our LoRA on the fused qkv target (one A
// shared by q, k and v, the worker's default) for reference.
type Config struct {
	Arch    trainer.Arch `json:"arch"`
	Batch   int          `json:"batch"`
	Seq     int          `json:"seq"`
	Rank    int          `json:"rank"`
	Threads int          `json:"threads"`
	// BLASThreads is OPENBLAS_NUM_THREADS for the Python process. OpenBLAS
	// (Debian's torch multiplies through it) starts its own spinning
	// threads inside each of torch's, and 2 × 2 threads on 2 busy cores made
	// steps 10–20× slower here, so the default is 1: GEMMs single-threaded,
	// torch's own ops on Threads.
	BLASThreads int `json:"blas_threads"`
	Warmup      int `json:"warmup"`
	// Rounds × StepsPerRound timed steps per contender, one block per
	// contender a round, the order rotating.
	Rounds        int      `json:"rounds"`
	StepsPerRound int      `json:"steps_per_round"`
	Targets       []string `json:"targets"`
	Extra         bool     `json:"-"`
	Seed          int      `json:"seed"`
}

// Default is a CPU-sized LLaMA: d 256, 4 layers, 8 heads, 4 KV heads
// (GQA), FFN 688 (LLaMA's 2.6875·d), vocabulary 1000; batch 8 × 128
// tokens, rank 8 on q, k, v; one torch thread: with two on the shared
// 2-core machine, steps ranged from 140 ms to 3.7 s whenever another
// process took a core (each parallel region waits for its descheduled
// thread), against 150–185 ms with one.
var Default = Config{
	Arch: trainer.Arch{Name: "llama-bench", Vocab: 1000, Hidden: 256, Layers: 4, Heads: 8, KVHeads: 4, FFN: 688,
		Context: 128, MLP: "swiglu", Norm: "rmsnorm", Positions: "rope"},
	Batch: 8, Seq: 128, Rank: 8, Threads: 1, BLASThreads: 1, Warmup: 3, Rounds: 10, StepsPerRound: 2,
	Targets: []string{"q", "k", "v"}, Extra: true, Seed: 1,
}

// Row is one contender's figures.
type Row struct {
	Name       string   `json:"name"`
	Impl       string   `json:"impl"` // ours or HF PEFT
	Method     string   `json:"method"`
	Targets    []string `json:"targets"`
	Trainable  int64    `json:"trainable"`
	StepMS     float64  `json:"step_ms"` // median
	StepMSMin  float64  `json:"step_ms_min"`
	StepMSMax  float64  `json:"step_ms_max"`
	TokensPerS float64  `json:"tokens_per_s"`
	TimedSteps int      `json:"timed_steps"`
	FirstLoss  float64  `json:"first_loss"`
	// Analytic is the planner's trainable count for our rows (0 for PEFT).
	Analytic int64 `json:"analytic,omitempty"`
}

// Ratios are step-time ratios; LoRAOverPEFT is 0 without PEFT.
type Ratios struct {
	LoRAOverPEFT float64 `json:"lora_over_peft,omitempty"`
	TL6OverLoRA  float64 `json:"tl6_over_lora"`
}

// Result is the benchmark's report.
type Result struct {
	Config        Config  `json:"config"`
	Python        string  `json:"python,omitempty"`
	Torch         string  `json:"torch,omitempty"`
	Transformers  string  `json:"transformers,omitempty"`
	PEFT          string  `json:"peft,omitempty"`
	PEFTSkipped   string  `json:"peft_skipped,omitempty"`
	Threads       int     `json:"threads,omitempty"`
	Params        int64   `json:"params,omitempty"`
	TokensPerStep int     `json:"tokens_per_step,omitempty"`
	Rows          []Row   `json:"rows,omitempty"`
	Ratios        Ratios  `json:"ratios"`
	Seconds       float64 `json:"seconds,omitempty"`
	// Skipped says why nothing was measured (no Python with torch and
	// transformers).
	Skipped string `json:"skipped,omitempty"`
}

// Measure runs the benchmark with python (empty: benchpy's search for one
// that imports torch and transformers) and the worker package extracted
// under cacheDir (empty: the user cache). The Python side's progress goes
// to progress.
func Measure(ctx context.Context, cfg Config, python, cacheDir string, progress io.Writer) (*Result, error) {
	if cfg.Threads <= 0 {
		cfg.Threads = runtime.NumCPU() // an explicit 0: every CPU
	}
	res := &Result{Config: cfg}
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		return nil, err
	}
	methods := map[string]trainer.Method{}
	for _, name := range []string{"lora", "tl6"} {
		m, ok := cat.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("the catalogue has no %s", name)
		}
		methods[name] = m
	}
	if err := cfg.Arch.Validate(); err != nil {
		return nil, err
	}
	py, err := benchpy.Find(ctx, python, "torch", "transformers")
	if err != nil {
		res.Skipped = err.Error()
		return res, nil
	}
	cache, err := torchworker.CacheDir(cacheDir)
	if err != nil {
		return nil, err
	}
	pkg, err := torchworker.Extract(cache)
	if err != nil {
		return nil, err
	}
	type extra struct {
		Name    string   `json:"name"`
		Method  string   `json:"method"`
		Targets []string `json:"targets"`
	}
	in := struct {
		Config
		Methods map[string]trainer.Method `json:"methods"`
		Extra   []extra                   `json:"extra"`
	}{Config: cfg, Methods: methods}
	if cfg.Extra {
		in.Extra = []extra{{Name: "lora qkv (ours, one A)", Method: "lora", Targets: []string{"qkv"}}}
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "sweep-bench-torch-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, py, "-m", Module, "--config", f.Name())
	pp := pkg
	if v := os.Getenv("PYTHONPATH"); v != "" {
		pp += string(filepath.ListSeparator) + v
	}
	// Offline: the model is built from a config, and nothing may download.
	cmd.Env = append(os.Environ(), "PYTHONPATH="+pp, "PYTHONUNBUFFERED=1", "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1")
	if cfg.BLASThreads > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", cfg.BLASThreads))
	}
	cmd.Stdout = &stdout
	if progress != nil {
		cmd.Stderr = io.MultiWriter(&stderr, progress)
	} else {
		cmd.Stderr = &stderr
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s -m %s: %v: %s", py, Module, err, lastLines(stderr.String(), 8))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), res); err != nil {
		return nil, fmt.Errorf("%s printed no result: %v: %s", Module, err, lastLines(stdout.String(), 3))
	}
	res.Config = cfg
	for i, r := range res.Rows {
		if r.Impl != "ours" {
			continue
		}
		c, err := trainer.CountParams(cfg.Arch, methods[r.Method], cfg.Rank, r.Targets)
		if err != nil {
			return nil, err
		}
		res.Rows[i].Analytic = c.Trainable
		if c.Trainable != r.Trainable {
			return nil, fmt.Errorf("%s: %d trainable tensors' elements, the planner counts %d", r.Name, r.Trainable, c.Trainable)
		}
	}
	return res, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
