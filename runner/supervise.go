package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Every local worker runs under a supervisor: a small process of this
// program (`sweep supervise DIR ARGV…`) that the orchestrator starts after
// recording the attempt. The supervisor writes supervisorFile before the
// worker runs, so an orchestrator that dies at any moment leaves an
// attempt the next one can find; it waits for the worker, writes its exit
// status to exitFile, so a worker that ends while no orchestrator runs is
// judged as if one had watched; and, as the child subreaper of everything
// the worker started, it kills what the worker left behind, in its process
// group or escaped with setsid.
const (
	supervisorFile = "supervisor.json"
	exitFile       = "exit.json"
)

// supervisorInfo is supervisorFile. Abandoned marks a tombstone: an
// orchestrator found the attempt with no supervisor and gave it up, and a
// supervisor that arrives late must not start the worker.
type supervisorInfo struct {
	PID       int    `json:"pid,omitempty"`
	PIDStart  int64  `json:"pid_start,omitempty"`
	Host      string `json:"host,omitempty"`
	Abandoned bool   `json:"abandoned,omitempty"`
}

// exitInfo is exitFile: how the worker ended.
type exitInfo struct {
	Code       int    `json:"code"`
	Signal     string `json:"signal,omitempty"`
	StartError string `json:"start_error,omitempty"`
}

// killSignal is what the orchestrator sends a supervisor to have its
// worker killed (SIGKILL itself would kill the supervisor, and with it the
// cleanup of what the worker left).
const killSignal = syscall.SIGUSR1

// writeExclusive writes data to path only if path does not exist yet,
// atomically: readers see nothing or all of it.
func writeExclusive(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

// writeAtomic replaces path with data in one rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// readSupervisor reads an attempt's supervisorFile; false when there is none.
func readSupervisor(dir string) (supervisorInfo, bool) {
	var s supervisorInfo
	b, err := os.ReadFile(filepath.Join(dir, supervisorFile))
	if err != nil || json.Unmarshal(b, &s) != nil {
		return s, false
	}
	return s, true
}

// readExit reads the exit status a supervisor recorded; false when none.
func readExit(dir string) (Exit, bool) {
	var e exitInfo
	b, err := os.ReadFile(filepath.Join(dir, exitFile))
	if err != nil || json.Unmarshal(b, &e) != nil {
		return Exit{}, false
	}
	if e.StartError != "" {
		return Exit{Known: true, Code: -1, Kind: KindStart, Reason: e.StartError}, true
	}
	return Exit{Known: true, Code: e.Code, Signal: e.Signal}, true
}

// Supervise is the supervisor's main: args are the attempt directory and
// the worker's argv. It returns the worker's exit status (128+n for a
// signal), or 75 when an orchestrator gave the attempt up before it began.
func Supervise(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sweep supervise DIR ARGV…")
		return 2
	}
	dir, argv := args[0], args[1:]
	sigs := make(chan os.Signal, 8)
	// Notify, not Ignore: ignored signals would stay ignored in the worker.
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, killSignal)
	// Orphans of the worker's tree become our children, not init's.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
		fmt.Fprintf(os.Stderr, "sweep supervise: prctl(PR_SET_CHILD_SUBREAPER): %v\n", e)
	}
	me := supervisorInfo{PID: os.Getpid()}
	me.PIDStart, _ = processStart(me.PID)
	me.Host, _ = os.Hostname()
	b, _ := json.Marshal(me)
	if err := writeExclusive(filepath.Join(dir, supervisorFile), b); err != nil {
		if errors.Is(err, os.ErrExist) {
			err = fmt.Errorf("%w: the attempt was given up before it began", err)
		}
		fmt.Fprintf(os.Stderr, "sweep supervise: %v; not starting the worker\n", err)
		return 75
	}
	// The exit status must be recordable on a disk that fills up while the
	// worker runs: its file's space is taken now.
	reserved := filepath.Join(dir, "."+exitFile+".reserved")
	if err := os.WriteFile(reserved, bytes.Repeat([]byte{' '}, exitRecordSize), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "sweep supervise: %v; not starting the worker\n", err)
		return 75
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		if werr := recordExit(reserved, filepath.Join(dir, exitFile), exitInfo{Code: -1, StartError: err.Error()}); werr != nil {
			fmt.Fprintf(os.Stderr, "sweep supervise: %v\n", werr)
		}
		fmt.Fprintf(os.Stderr, "sweep supervise: %v\n", err)
		return 127
	}
	pid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for waiting := true; waiting; {
		select {
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if sig == killSignal {
				sig = syscall.SIGKILL
			}
			syscall.Kill(-pid, sig)
		case <-done:
			waiting = false
		}
	}
	ex := exitOf(cmd, nil)
	if err := recordExit(reserved, filepath.Join(dir, exitFile), exitInfo{Code: ex.Code, Signal: ex.Signal}); err != nil {
		fmt.Fprintf(os.Stderr, "sweep supervise: recording the exit status: %v\n", err)
	}
	killLeftovers(pid)
	if ex.Signal != "" {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			return 128 + int(ws.Signal())
		}
		return 128
	}
	return ex.Code
}

// exitRecordSize is the space reserved for exitFile: JSON padded with
// spaces, which JSON ignores.
const exitRecordSize = 512

// recordExit writes e into the reserved file, in place (no new blocks on
// a full disk), and renames it to path.
func recordExit(reserved, path string, e exitInfo) error {
	b, _ := json.Marshal(e)
	if len(b) > exitRecordSize {
		e.StartError = e.StartError[:exitRecordSize/2]
		b, _ = json.Marshal(e)
	}
	f, err := os.OpenFile(reserved, os.O_WRONLY, 0)
	if err != nil {
		return writeAtomic(path, b)
	}
	_, err = f.WriteAt(append(b, bytes.Repeat([]byte{' '}, exitRecordSize-len(b))...), 0)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(reserved, path)
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER of <linux/prctl.h>.
const prSetChildSubreaper = 36

// killLeftovers kills the worker's process group and every process left
// under the supervisor, then reaps them: a child that is killed hands its
// own children to us, so this repeats until none is left.
func killLeftovers(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL)
	for {
		kids := children(os.Getpid())
		for _, k := range kids {
			syscall.Kill(k, syscall.SIGKILL)
		}
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.ECHILD) && len(children(os.Getpid())) == 0 {
			return
		}
		if err != nil && !errors.Is(err, syscall.EINTR) && !errors.Is(err, syscall.ECHILD) {
			return
		}
	}
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(n); ok && ppid == pid {
			out = append(out, n)
		}
	}
	return out
}

// parentOf reads a process's parent pid (field 4 of /proc/PID/stat).
func parentOf(pid int) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}
