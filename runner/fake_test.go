package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// The test binary doubles as a fake worker and as an orchestrator to kill,
// chosen by environment variables, so the tests need nothing but Go.
func TestMain(m *testing.M) {
	switch {
	case os.Getenv("RUNNER_FAKE_WORKER") != "":
		os.Exit(fakeWorker(os.Args[1:]))
	case os.Getenv("RUNNER_FAKE_ORCHESTRATOR") != "":
		os.Exit(fakeOrchestrator(os.Args[1], os.Args[2]))
	}
	os.Exit(m.Run())
}

// fakeMetricSteps is how many metric events an ok fake worker writes.
const fakeMetricSteps = 20

// fakeWorker behaves as args[0] says.
func fakeWorker(args []string) int {
	mode := args[0]
	f, err := os.OpenFile(os.Getenv("SWEEP_EVENTS"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	emit := func(v map[string]any) {
		v["t"] = time.Now().UTC().Format(time.RFC3339Nano)
		b, _ := json.Marshal(v)
		f.Write(append(b, '\n'))
	}
	attempt, _ := strconv.Atoi(os.Getenv("SWEEP_ATTEMPT"))
	emit(map[string]any{"event": "start", "pid": os.Getpid(), "host": "test"})
	metrics := func(pause time.Duration) {
		for step := 1; step <= fakeMetricSteps; step++ {
			emit(map[string]any{"event": "metric", "step": step, "values": map[string]float64{"loss": 1 / float64(step), "lr": 0.1}})
			time.Sleep(pause)
		}
	}
	switch mode {
	case "ok":
		metrics(0)
		emit(map[string]any{"event": "eval", "step": fakeMetricSteps, "split": "validation", "values": map[string]float64{"acc": 0.5}})
	case "slow": // for the crash test: long enough to be caught running
		metrics(10 * time.Millisecond)
	case "exit1":
		fmt.Fprintln(os.Stderr, "Traceback: something broke")
		emit(map[string]any{"event": "done", "status": "failed", "error": "something broke"})
		return 1
	case "signal":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "hang":
		time.Sleep(time.Hour)
	case "oom":
		fmt.Fprintln(os.Stderr, "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB")
		return 1
	case "garbage":
		f.Write([]byte("this is not json\n{\"half\": \n\n[1,2,3]\n"))
		metrics(0)
		f.Write([]byte(`{"event":"metric","step":99,"values":{"loss":`)) // never completed
		f.Write([]byte("\n"))
	case "afterdone":
		metrics(0)
		emit(map[string]any{"event": "done", "status": "ok"})
		emit(map[string]any{"event": "metric", "step": 999, "values": map[string]float64{"loss": 9}})
		return 0
	case "nodone":
		metrics(0)
		return 0
	case "flaky":
		if attempt == 1 {
			return 2
		}
		metrics(0)
	case "args":
		b, _ := json.Marshal(args)
		os.WriteFile("args.json", b, 0o644)
	case "gpu": // GPU 1 is broken
		if os.Getenv("CUDA_VISIBLE_DEVICES") == "1" {
			return 1
		}
	case "params":
		emit(map[string]any{"event": "params", "trainable": 12345, "total": 99999})
	}
	emit(map[string]any{"event": "done", "status": "ok"})
	return 0
}

// fakeOrchestrator runs a sweep file into a database, as `sweep run` would.
func fakeOrchestrator(file, db string) int {
	s, err := sweeps.Load(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := results.Open(db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	r := New(s, st, testOptions(s, db))
	if _, err := r.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
