package runner

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// processStart returns a process's start time in clock ticks since boot
// (field 22 of /proc/PID/stat). A PID and its start time name a process
// uniquely, even after the PID is reused.
func processStart(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: fields
	// are counted after its last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return strconv.ParseInt(string(fields[19]), 10, 64)
}

// alive reports whether the process that had this PID and start time is
// still there (and not a zombie).
func alive(pid int, start int64) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && err != syscall.EPERM {
		return false
	}
	got, err := processStart(pid)
	if err != nil || got != start {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i < 0 || len(data) < i+3 || data[i+2] != 'Z'
}

// signalGroup sends sig to a worker's process group (workers start as
// group leaders, so children such as data loaders go too).
func signalGroup(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return nil
	}
	return syscall.Kill(-pid, sig)
}
