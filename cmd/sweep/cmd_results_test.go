package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/results")

// resultsFixture writes the fixture sweep as runs/fixture/sweep.db under
// a new folder, with a fixed clock (fixture.PinTimes) so that wall times
// are golden, and a sweep file of its name beside it.
func resultsFixture(t *testing.T) (db, file, runs string) {
	t.Helper()
	dir := t.TempDir()
	runs = filepath.Join(dir, "runs")
	db = filepath.Join(runs, "fixture", "sweep.db")
	if err := fixture.Write(context.Background(), db, fixture.Small); err != nil {
		t.Fatal(err)
	}
	if err := fixture.PinTimes(db); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "fixture.yaml")
	if err := writeFile(file, "name: fixture\nworker: {kind: command, command: [\"true\"], report: exit-code}\n"); err != nil {
		t.Fatal(err)
	}
	return db, file, runs
}

// TestResultsGolden compares `sweep results` on the fixture sweep with the
// reviewed outputs in testdata/results (go test ./cmd/sweep -run
// TestResultsGolden -update rewrites them).
func TestResultsGolden(t *testing.T) {
	db, file, runs := resultsFixture(t)
	tests := []struct {
		name string
		args []string
	}{
		{"default.txt", nil},
		{"tl6-by-test.md", []string{"--where", `method=="tl6"`, "--sort", "test", "--format", "md"}},
		{"squad-r8-up.csv", []string{"--where", `rank>=8 && task=="squad"`, "--sort=-test,seed", "--columns", "trial,method,rank,seed,lr,test,wall_s", "--format", "csv"}},
		{"unfinished.json", []string{"--where", `state!="succeeded" || test<0.1`, "--format", "json"}},
		{"script-all.md", []string{"--where", `method=="<script>alert(1)</script>" && rank==32 && seed==3`, "--columns", "all", "--format", "md"}},
		{"all.csv", []string{"--format", "csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"results", "--db", db}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden := filepath.Join("testdata", "results", tt.name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("got\n%s\nwant (%s)\n%s", out, golden, want)
			}
		})
	}
	// The sweep file finds the same database under --runs.
	byFile, errOut, code := run(t, "results", file, "--runs", runs, "--format", "csv")
	byDB, _, _ := run(t, "results", "--db", db, "--format", "csv")
	if code != 0 || byFile != byDB {
		t.Errorf("results FILE: exit %d (%s), got %d bytes, want the %d of --db", code, errOut, len(byFile), len(byDB))
	}
	// Settings from the environment, as for every command.
	t.Setenv("SWEEP_WHERE", `method=="tl6"`)
	t.Setenv("SWEEP_FORMAT", "md")
	t.Setenv("SWEEP_SORT", "test")
	if env, _, code := run(t, "results", "--db", db); code != 0 || env != readGolden(t, "tl6-by-test.md") {
		t.Errorf("SWEEP_WHERE, SWEEP_FORMAT, SWEEP_SORT: exit %d, got\n%s", code, env)
	}
}

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "results", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestResultsBadInput: a bad expression, an unknown column or format, no
// database: exit status 2 with what is wrong and where.
func TestResultsBadInput(t *testing.T) {
	db, _, _ := resultsFixture(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--where", `method=tl6`}, "--where: col 7: \"=\" is no operator; write == to compare\n  method=tl6\n        ^"},
		{[]string{"--where", `rank>=8 && method==tl6`}, "--where: col 20: want a number or a quoted string, got tl6"},
		{[]string{"--where", `rnak>=8`}, `--where: col 1: unknown column "rnak" (known: trial, task, method, rank, seed, hp.lr, hp.steps, trainable, state, attempts, metric, validation, test, validation.exact_match,`},
		{[]string{"--where", `rank=="8"`}, `col 7: rank is a number: compare it with a number, not "8"`},
		{[]string{"--sort", "-tset"}, `--sort: unknown column "tset" (known: trial,`},
		{[]string{"--columns", "trial,nope"}, `--columns: unknown column "nope"`},
		{[]string{"--format", "xlsx"}, `--format "xlsx": want one of table, csv, json, md`},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db")}, "does not exist"},
	}
	for _, tt := range tests {
		args := append([]string{"results", "--db", db}, tt.args...)
		_, errOut, code := run(t, args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got exit %d, %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
	if _, errOut, code := run(t, "results"); code != 2 || !strings.Contains(errOut, "give a sweep FILE or --db PATH") {
		t.Errorf("no database: got exit %d, %q", code, errOut)
	}
}
