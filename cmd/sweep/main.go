package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

func main() {
	// `sweep supervise DIR ARGV…` is the process each local worker runs
	// under (runner/supervise.go): not a command for people, and its exit
	// status is the worker's.
	if len(os.Args) > 1 && os.Args[1] == "supervise" {
		os.Exit(runner.Supervise(os.Args[2:]))
	}
	root := newRootCmd(os.Stdout, os.Stderr)
	err := root.Execute()
	if err == nil {
		return
	}
	// A sweep file's problems are already file:line:col lines.
	var list sweeps.ErrorList
	if errors.As(err, &list) {
		fmt.Fprintln(os.Stderr, list.Error())
	} else {
		fmt.Fprintln(os.Stderr, "sweep:", err)
	}
	os.Exit(exitCode(err))
}

// exitError carries the process exit status for an error. Status 2 means the
// input (a file, a flag) was bad; 1 is any other failure.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's input being wrong: exit status 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}
