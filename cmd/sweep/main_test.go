package main

import (
	"os"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/runner"
)

// The test binary is the `Self` of the runs the tests make: it supervises
// their workers as the sweep binary would; with SWEEP_TEST_CLI=1 it is the
// sweep command itself, for tests that signal a real process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "supervise" {
		os.Exit(runner.Supervise(os.Args[2:]))
	}
	if os.Getenv("SWEEP_TEST_CLI") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
