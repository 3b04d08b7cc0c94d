package bench

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/optim"
)

//go:embed torch_tiny_reference.py
var torchScript []byte

// Config is the benchmark: the reference's model, batch and rank.
type Config struct {
	Preset  string   `json:"preset"`
	Batch   int      `json:"batch"`
	SeqLen  int      `json:"seq_len"`
	Rank    int      `json:"rank"`
	Methods []string `json:"methods"`
	Warmup  int      `json:"warmup_steps"`
	Steps   int      `json:"timed_steps"`
}

// Reference is the configuration of torch_tiny_reference.py.
var Reference = Config{Preset: "go-tiny", Batch: 32, SeqLen: 64, Rank: 8, Methods: []string{"lora", "tl6"}, Warmup: 3, Steps: 20}

// Run is one measured configuration.
type Run struct {
	Trainer      string  `json:"trainer"` // go or torch
	Backend      string  `json:"backend"`
	Method       string  `json:"method"`
	TokensPerSec float64 `json:"tokens_per_s"`
	StepMS       float64 `json:"step_ms"`
	// VsTorch is TokensPerSec over torch's for the same method (0: no torch).
	VsTorch float64 `json:"vs_torch,omitempty"`
}

// Result is the benchmark's report.
type Result struct {
	Config     Config `json:"config"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Runs       []Run  `json:"runs"`
	// TorchSkipped says why there is no PyTorch baseline.
	TorchSkipped string `json:"torch_skipped,omitempty"`
	TorchVersion string `json:"torch_version,omitempty"`
	// PeakRSSMB is this process's peak resident memory (VmHWM).
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// GoHeapMB is the Go heap in use after the last run's steps.
	GoHeapMB float64 `json:"go_heap_mb"`
}

// Measure runs the benchmark on every compiled-in backend, then the
// PyTorch baseline with python (empty: look for one with torch).
func Measure(ctx context.Context, cfg Config, python string) (*Result, error) {
	res := &Result{Config: cfg, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	for _, be := range mm.Backends() {
		for _, meth := range cfg.Methods {
			r, heap, err := measureGo(ctx, cfg, be, meth)
			if err != nil {
				return nil, err
			}
			res.Runs = append(res.Runs, r)
			res.GoHeapMB = heap
		}
	}
	res.PeakRSSMB = peakRSS()
	if python == "" {
		python = findTorch(ctx)
	}
	if python == "" {
		res.TorchSkipped = "no python3 with torch (Debian: apt-get install python3-torch libopenblas0-pthread)"
		return res, nil
	}
	torch := map[string]float64{}
	for _, meth := range cfg.Methods {
		r, version, err := measureTorch(ctx, python, meth)
		if err != nil {
			res.TorchSkipped = err.Error()
			break
		}
		res.TorchVersion = version
		res.Runs = append(res.Runs, r)
		torch[meth] = r.TokensPerSec
	}
	for i, r := range res.Runs {
		if t := torch[r.Method]; r.Trainer == "go" && t > 0 {
			res.Runs[i].VsTorch = r.TokensPerSec / t
		}
	}
	return res, nil
}

// measureGo trains the reference configuration on random tokens, as the
// script does: frozen random base, AdamW at lr 1e-3 with torch's default
// weight decay of 0.01.
func measureGo(ctx context.Context, cfg Config, be mm.Backend, name string) (Run, float64, error) {
	arch, ok := trainer.Preset(cfg.Preset)
	if !ok {
		return Run{}, 0, fmt.Errorf("unknown preset %q", cfg.Preset)
	}
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		return Run{}, 0, err
	}
	meth, ok := cat.Lookup(name)
	if !ok {
		return Run{}, 0, fmt.Errorf("unknown method %q", name)
	}
	m, err := model.New[float32](arch, be, 0)
	if err != nil {
		return Run{}, 0, err
	}
	if err := m.Attach(meth, cfg.Rank, nil, 0); err != nil {
		return Run{}, 0, err
	}
	var tensors []optim.Tensor[float32]
	for _, p := range m.Trainable() {
		tensors = append(tensors, optim.Tensor[float32]{Data: p.Data, Grad: p.Grad, Decay: true})
	}
	opt := optim.NewAdamW(tensors, 0.01)
	rng := rand.New(rand.NewPCG(0, 0))
	n := cfg.Batch * cfg.SeqLen
	b := model.Batch{B: cfg.Batch, T: cfg.SeqLen, IDs: make([]int32, n), Targets: make([]int32, n)}
	for i := 0; i < n; i++ {
		b.IDs[i], b.Targets[i] = int32(rng.IntN(arch.Vocab)), int32(rng.IntN(arch.Vocab))
	}
	ws := m.NewWorkspace()
	step := func() {
		m.ZeroGrad()
		m.Loss(b, ws, true, 1/float32(n), nil)
		opt.Update(1e-3)
	}
	for i := 0; i < cfg.Warmup; i++ {
		step()
	}
	start := time.Now()
	for i := 0; i < cfg.Steps; i++ {
		if err := ctx.Err(); err != nil {
			return Run{}, 0, err
		}
		step()
	}
	dt := time.Since(start).Seconds()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Run{Trainer: "go", Backend: be.Name(), Method: name, TokensPerSec: float64(cfg.Steps*n) / dt,
		StepMS: 1000 * dt / float64(cfg.Steps)}, float64(ms.HeapInuse) / 1e6, nil
}

// findTorch returns a python3 that imports torch, or "".
func findTorch(ctx context.Context) string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.CommandContext(ctx, p, "-c", "import torch").Run() == nil {
			return p
		}
	}
	return ""
}

var torchLine = regexp.MustCompile(`torch (\S+) mode=\S+ tokens/s=([0-9.]+) step_ms=([0-9.]+)`)

func measureTorch(ctx context.Context, python, method string) (Run, string, error) {
	f, err := os.CreateTemp("", "torch_tiny_reference-*.py")
	if err != nil {
		return Run{}, "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(torchScript); err != nil {
		f.Close()
		return Run{}, "", err
	}
	f.Close()
	out, err := exec.CommandContext(ctx, python, f.Name(), method).CombinedOutput()
	if err != nil {
		return Run{}, "", fmt.Errorf("torch baseline failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	m := torchLine.FindStringSubmatch(string(out))
	if m == nil {
		return Run{}, "", fmt.Errorf("torch baseline printed no tokens/s: %s", strings.TrimSpace(string(out)))
	}
	tps, _ := strconv.ParseFloat(m[2], 64)
	ms, _ := strconv.ParseFloat(m[3], 64)
	return Run{Trainer: "torch", Backend: "torch " + m[1], Method: method, TokensPerSec: tps, StepMS: ms}, m[1], nil
}

// peakRSS reads VmHWM from /proc/self/status (0 where there is none).
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
