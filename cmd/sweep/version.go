package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildVersion says what this binary is, from the build information the
// Go toolchain embeds: the module version ("(devel)" for a build from a
// checkout), the VCS revision and build tags. CI builds with
// -buildvcs=false, which records no revision: that reads "unknown".
type buildVersion struct {
	Module    string `json:"module"`
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	Tags      string `json:"tags"`
	GoVersion string `json:"go"`
}

const unknown = "unknown"

func readVersion() buildVersion {
	v := buildVersion{Module: unknown, Version: unknown, Revision: unknown, Tags: "none", GoVersion: unknown}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	return versionOf(info)
}

// versionOf reads a buildVersion out of info (a function of its own so
// tests can hand it build information with and without VCS settings).
func versionOf(info *debug.BuildInfo) buildVersion {
	v := buildVersion{Module: info.Main.Path, Version: info.Main.Version, Revision: unknown, Tags: "none", GoVersion: info.GoVersion}
	if v.Module == "" {
		v.Module = unknown
	}
	if v.Version == "" {
		v.Version = unknown
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				v.Revision = s.Value
			}
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "-tags":
			if s.Value != "" {
				v.Tags = s.Value
			}
		}
	}
	return v
}

// String is the one line `sweep --version` prints.
func (v buildVersion) String() string {
	rev := v.Revision
	if v.Modified {
		rev += " (modified)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, revision %s", v.Version, rev)
	if v.Time != "" {
		fmt.Fprintf(&b, " of %s", v.Time)
	}
	fmt.Fprintf(&b, ", build tags %s, %s", v.Tags, v.GoVersion)
	return b.String()
}

func newVersionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the module version, VCS revision and build tags of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			bv := readVersion()
			if v.GetBool("json") {
				return writeJSON(cmd.OutOrStdout(), bv)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "sweep %s\n", bv)
			return err
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	return cmd
}
