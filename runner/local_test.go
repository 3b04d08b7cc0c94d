package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

func TestParseGPUs(t *testing.T) {
	got, err := parseGPUs("0, 81559 MiB, 3 MiB\n1, 81559 MiB, 60000 MiB\n\n2, 40960, 0\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []GPU{{0, 81559, 3}, {1, 81559, 60000}, {2, 40960, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got[i], want[i])
		}
	}
	if _, err := parseGPUs("0, lots, 3 MiB\n"); err == nil || !strings.Contains(err.Error(), `"lots" is not a number`) {
		t.Errorf("got %v, want a parse error", err)
	}
}

// fakeNvidiaSMI puts an nvidia-smi on PATH that prints text.
func fakeNvidiaSMI(t *testing.T, text string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\ncat <<'EOF'\n" + text + "EOF\n"
	if err := os.WriteFile(filepath.Join(dir, "nvidia-smi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestGPUSlots(t *testing.T) {
	fakeNvidiaSMI(t, "0, 81559 MiB, 3 MiB\n1, 81559 MiB, 60000 MiB\n2, 81559 MiB, 100 MiB\n3, 81559 MiB, 0 MiB\n4, 81559 MiB, 0 MiB\n")
	tests := []struct {
		cfg  sweeps.Executor
		want []string // slot env CUDA_VISIBLE_DEVICES
	}{
		// GPU 1 is busy (73 % in use): skipped.
		{sweeps.Executor{GPUs: sweeps.GPUList{Auto: true}}, []string{"0", "2", "3", "4"}},
		{sweeps.Executor{GPUs: sweeps.GPUList{Auto: true}, GPUsPerTrial: 2}, []string{"0,2", "3,4"}},
		{sweeps.Executor{GPUs: sweeps.GPUList{Auto: true}, GPUMemoryThreshold: 0.9}, []string{"0", "1", "2", "3", "4"}},
		{sweeps.Executor{GPUs: sweeps.GPUList{IDs: []int{3, 1}}}, []string{"3", "1"}},
		{sweeps.Executor{GPUs: sweeps.GPUList{}, Slots: 3}, []string{"", "", ""}}, // gpus: none
	}
	for _, tt := range tests {
		l := &Local{Config: tt.cfg, UseGPUs: true}
		slots, err := l.Slots(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range slots {
			got = append(got, strings.TrimPrefix(s.Env()[0], "CUDA_VISIBLE_DEVICES="))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%+v: got %q, want %q", tt.cfg, got, tt.want)
		}
	}
	// The Go trainer runs on CPUs whatever the machine has.
	l := &Local{Config: sweeps.Executor{GPUs: sweeps.GPUList{Auto: true}, Slots: 2, ThreadsPerTrial: 3}}
	slots, _ := l.Slots(context.Background())
	if len(slots) != 2 || len(slots[0].Devices) != 0 || !strings.Contains(strings.Join(slots[0].Env(), " "), "OMP_NUM_THREADS=3 GOMAXPROCS=3") {
		t.Errorf("got %+v, want 2 CPU slots of 3 threads", slots)
	}
}

// TestGPUSetAside: a GPU slot that fails attempts in a row is set aside
// and the others finish the sweep; each attempt saw its own device.
func TestGPUSetAside(t *testing.T) {
	fakeNvidiaSMI(t, "0, 100 MiB, 0 MiB\n1, 100 MiB, 0 MiB\n")
	dir := t.TempDir()
	self, _ := os.Executable()
	text := `name: gpus
worker:
  kind: command
  command: [` + string(mustJSON(self)) + `, gpu]
  env: {RUNNER_FAKE_WORKER: "1"}
executor: {kind: local, gpu_max_failures: 2}
seeds: {from: 1, to: 8}
max_retries: 3
`
	file := filepath.Join(dir, "sweep.yaml")
	os.WriteFile(file, []byte(text), 0o644)
	db := filepath.Join(dir, "sweep.db")
	s, err := sweeps.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opt := testOptions(s, db)
	opt.Executor = &Local{Config: s.File.Executor, UseGPUs: true}
	sum, err := New(s, st, opt).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded != 8 {
		t.Errorf("got %+v, want all 8 to succeed on GPU 0", sum)
	}
	var onBad int
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM attempts WHERE slot = 'gpu1'`).Scan(&onBad)
	if onBad != 2 {
		t.Errorf("got %d attempts on the failing GPU 1, want 2 before it is set aside", onBad)
	}
}

// TestStopIsGraceful: cancelling the run stops launching, ends the
// workers, and leaves their trials to be run again.
func TestStopIsGraceful(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "seeds: {from: 1, to: 4}\n", "hang")
	db := filepath.Join(dir, "sweep.db")
	s, _ := sweeps.Load(file)
	s.File.Worker.HeartbeatTimeout = sweeps.Duration(time.Hour)
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	opt := testOptions(s, db)
	opt.HeartbeatTimeout = time.Hour
	r := New(s, st, opt)
	go func() { time.Sleep(500 * time.Millisecond); cancel() }()
	began := time.Now()
	sum, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("stopping took %s", d)
	}
	if sum.Pending != 4 || sum.Succeeded+sum.Failed != 0 {
		t.Errorf("got %+v, want 4 pending", sum)
	}
	var cancelled int
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM attempts WHERE status = 'cancelled' AND error_kind = 'cancelled'`).Scan(&cancelled)
	if cancelled != 2 {
		t.Errorf("got %d cancelled attempts, want the 2 that were running", cancelled)
	}
}

func TestTimeLimit(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "", "hang")
	s, _ := sweeps.Load(file)
	s.File.Worker.TimeLimit = sweeps.Duration(300 * time.Millisecond)
	s.File.Worker.HeartbeatTimeout = sweeps.Duration(time.Hour)
	db := filepath.Join(dir, "sweep.db")
	st, _ := results.Open(db)
	defer st.Close()
	zero := 0
	opt := testOptions(s, db)
	opt.MaxRetries = &zero
	opt.HeartbeatTimeout = time.Hour
	if _, err := New(s, st, opt).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var kind string
	testenv.DB(t, st.Path()).QueryRow(`SELECT error_kind FROM attempts`).Scan(&kind)
	if kind != KindTimeLimit {
		t.Errorf("got kind %q, want %q", kind, KindTimeLimit)
	}
}
