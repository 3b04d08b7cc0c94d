package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/plots"
)

// dbPaths is report's --db: one path, as every command has, or several,
// repeated, to compare sweeps. Its type name is not a list's, so the
// environment (SWEEP_DB) and a settings file give one path, whole, as
// they do to the other commands.
type dbPaths []string

func (d *dbPaths) String() string {
	if len(*d) == 0 {
		return ""
	}
	return (*d)[len(*d)-1]
}

func (d *dbPaths) Set(s string) error {
	*d = append(*d, s)
	return nil
}

func (d *dbPaths) Type() string { return "path" }

// compareOut is where a comparison goes without --out: compare/ in the
// working directory.
const compareOut = "compare"

// runCompare compares two or more sweeps: each database analysed alone
// (its own baseline), then aligned by analysis.Compare at each method's
// best rank and at each --rank, and written by plots.WriteComparison.
func runCompare(cmd *cobra.Command, v *viper.Viper, args []string, dbs []string) error {
	if len(args) > 0 && len(dbs) > 0 {
		return badInput(errors.New("give the sweeps to compare either as FILEs or as --db paths, not both"))
	}
	paths := slices.Clone(dbs)
	for _, a := range args {
		s, err := loadSweep(a)
		if err != nil {
			return err
		}
		paths = append(paths, dbPath("", v.GetString("runs"), s.File.Name))
	}
	labels := v.GetStringSlice("label")
	if len(labels) > 0 && len(labels) != len(paths) {
		return badInput(fmt.Errorf("got %d --label for %d sweeps: give one per sweep, in order, or none", len(labels), len(paths)))
	}
	for i, l := range labels {
		if strings.TrimSpace(l) == "" {
			return badInput(fmt.Errorf("--label %d is empty", i+1))
		}
		if slices.Index(labels, l) != i {
			return badInput(fmt.Errorf("--label %q is given twice: each sweep needs its own", l))
		}
	}
	var formats []string // nil: every format a comparison has
	if cmd.Flags().Changed("format") {
		formats = v.GetStringSlice("format")
	}
	opt := analysis.Options{Baseline: v.GetString("baseline"), Epsilon: v.GetFloat64("epsilon"), Ranks: []int{}}
	var sweeps []analysis.Compared
	var names []string
	for i, p := range paths {
		if slices.Index(paths, p) != i {
			return badInput(fmt.Errorf("%s is given twice", p))
		}
		a, err := analyseDB(cmd, p, opt)
		if err != nil {
			return err
		}
		name := a.Sweep
		if name == "" {
			name = filepath.Base(filepath.Dir(p))
		}
		names = append(names, name)
		sweeps = append(sweeps, analysis.Compared{Analysis: a})
	}
	if len(labels) == 0 {
		labels = analysis.CompareLabels(names)
	}
	for i := range sweeps {
		sweeps[i].Label = labels[i]
	}
	var cs []*analysis.Comparison
	for _, r := range append([]int{0}, v.GetIntSlice("rank")...) {
		c, err := analysis.Compare(sweeps, r)
		if errors.Is(err, analysis.ErrOption) || errors.Is(err, analysis.ErrNoScores) {
			return badInput(err)
		}
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	out := v.GetString("out")
	if out == "" {
		out = compareOut
	}
	sum, err := plots.WriteComparison(out, cs, formats)
	if errors.Is(err, plots.ErrOption) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "compared %d sweeps: ", len(sweeps))
	for i, s := range sweeps {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s (%s)", s.Label, paths[i])
	}
	fmt.Fprintf(w, "\nwrote %d files to %s\n", len(sum.Files), sum.Dir)
	for _, f := range []string{"index.html", "compare.md"} {
		if slices.Contains(sum.Files, f) {
			fmt.Fprintf(w, "  %s\n", filepath.Join(sum.Dir, f))
		}
	}
	fmt.Fprintf(w, "\n%s", sum.Headline)
	return nil
}

// analyseDB reads one database and analyses it alone.
func analyseDB(cmd *cobra.Command, path string, opt analysis.Options) (*analysis.Analysis, error) {
	store, err := openReader(path)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	recs, err := keyedSource{store}.Records(cmd.Context())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a, err := analysis.Analyze(recs, opt)
	if errors.Is(err, analysis.ErrOption) {
		return nil, badInput(err)
	}
	return a, err
}
