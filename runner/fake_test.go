package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
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
	case len(os.Args) > 1 && os.Args[1] == "supervise":
		os.Exit(Supervise(os.Args[2:]))
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
	case "gated": // runs until the run directory has a file named gate
		for {
			if _, err := os.Stat("../../../gate"); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	case "spawn", "spawnfail", "spawnhang":
		// Children in the worker's group and escaped with setsid, whose
		// pids the test checks are gone afterwards.
		var kids []byte
		for _, setsid := range []bool{false, true} {
			c := exec.Command("sleep", "1000")
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
			if err := c.Start(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 3
			}
			start, _ := processStart(c.Process.Pid)
			kids = fmt.Appendf(kids, "%d %d\n", c.Process.Pid, start)
		}
		os.WriteFile("kids.tmp", kids, 0o644)
		os.Rename("kids.tmp", "kids")
		switch mode {
		case "spawnfail":
			return 1
		case "spawnhang":
			time.Sleep(time.Hour)
		}
	case "curve":
		return fakeCurve(emit)
	case "nonfinite":
		f.Write([]byte(`{"event":"metric","step":1,"values":{"loss":NaN,"gnorm":Infinity,"lr":0.5,"neg":-Infinity,"gone":null}}` + "\n"))
		f.Write([]byte(`{"event":"eval","step":1,"split":"validation","values":{"acc":NaN,"f1":0.25}}` + "\n"))
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
	opt := testOptions(s, db)
	if mark := os.Getenv("RUNNER_PAUSE_AT_START"); mark != "" {
		// Stand still between starting a worker and recording its pid,
		// as an orchestrator stopped there would, until killed.
		opt.Failpoint = func(_, dir string) {
			// The worker is running once its supervisor's file is there.
			for {
				if _, err := os.Stat(filepath.Join(dir, supervisorFile)); err == nil {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			os.WriteFile(mark, nil, 0o644)
			select {}
		}
	}
	r := New(s, st, opt)
	if _, err := r.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		var held *results.LeaseHeldError
		if errors.As(err, &held) {
			return 2
		}
		return 1
	}
	return 0
}

// fakeCurve trains a known curve: validation loss quality + 10/step at
// every eval_every steps, a checkpoint (a file holding the step) after
// every step, resuming from the spec's checkpoint, and on SIGTERM a
// checkpoint at the step reached before it exits, as the built-in
// workers do.
func fakeCurve(emit func(map[string]any)) int {
	var spec struct {
		HParams    map[string]any `json:"hparams"`
		ResumeFrom string         `json:"resume_from"`
	}
	b, err := os.ReadFile(os.Getenv("SWEEP_SPEC"))
	if err == nil {
		err = json.Unmarshal(b, &spec)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	step := 0
	if spec.ResumeFrom != "" {
		b, err := os.ReadFile(spec.ResumeFrom)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		step, _ = strconv.Atoi(string(b))
		os.WriteFile("resumed-from", b, 0o644)
	}
	num := func(name string) float64 { x, _ := spec.HParams[name].(float64); return x }
	steps, every, q := int(num("steps")), int(num("eval_every")), num("quality")
	checkpoint := func() {
		path, _ := filepath.Abs(fmt.Sprintf("ckpt-%d", step))
		os.WriteFile(path, []byte(strconv.Itoa(step)), 0o644)
		emit(map[string]any{"event": "checkpoint", "step": step, "path": path})
	}
	for step < steps {
		select {
		case <-stop:
			checkpoint()
			emit(map[string]any{"event": "done", "status": "failed", "error": "stopped by a signal"})
			return 1
		default:
		}
		step++
		emit(map[string]any{"event": "metric", "step": step, "values": map[string]float64{"loss": q + 10/float64(step)}})
		if step%every == 0 {
			emit(map[string]any{"event": "eval", "step": step, "split": "validation", "values": map[string]float64{"loss": q + 10/float64(step)}})
		}
		checkpoint()
		time.Sleep(10 * time.Millisecond)
	}
	emit(map[string]any{"event": "eval", "step": step, "split": "test", "values": map[string]float64{"loss": q}})
	emit(map[string]any{"event": "done", "status": "ok"})
	return 0
}
