package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// stdinName names standard input in positions (<stdin>:3:5: …); relative
// paths in a sweep read from it are relative to the working directory.
const stdinName = "<stdin>"

// loadSweepArg loads the sweep file a command argument names, or reads it
// from standard input when the argument is "-".
func loadSweepArg(cmd *cobra.Command, path string) (*sweeps.Sweep, error) {
	if path != "-" {
		return loadSweep(path)
	}
	data, err := io.ReadAll(cmd.InOrStdin())
	if err != nil {
		return nil, fmt.Errorf("reading the sweep file from standard input: %w", err)
	}
	s, err := sweeps.Parse(stdinName, data)
	if err != nil {
		return nil, badInput(err)
	}
	return s, nil
}
