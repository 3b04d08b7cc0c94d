package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// compareFixtures writes two sweep databases to compare: the small
// fixture, and a second sweep on other seeds with some of its tasks and
// methods, one task and one method of its own.
func compareFixtures(t *testing.T) (string, string) {
	t.Helper()
	other := fixture.Options{Name: "other", Model: "llama2-7b", Tasks: []string{"squad", "gsm8k", "iwslt"},
		Methods: []string{"lora", "tl6", "vera"}, Ranks: []int{8, 16}, Seeds: []int64{4, 5}, LRs: []float64{1e-3}, Steps: 100}
	db := filepath.Join(t.TempDir(), "other", "sweep.db")
	if err := fixture.Write(context.Background(), db, other); err != nil {
		t.Fatal(err)
	}
	return reportFixture(t), db
}

func TestReportCompare(t *testing.T) {
	a, b := compareFixtures(t)
	dir := filepath.Join(t.TempDir(), "cmp")
	out, errOut, code := run(t, "report", "--db", a, "--db", b, "--out", dir, "--rank", "8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"compared 2 sweeps: fixture (" + a + "), other (" + b + ")", "wrote 4 files to " + dir,
		"Compared at each method's best rank\n", "*: the best of the task within its sweep",
		"note: fixture has no task iwslt (shown —)", "note: other has no method tl5, tl1, <script>alert(1)</script> (shown —)"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant it to contain %q", out, want)
		}
	}
	// The headline: both sweeps' columns, each lora its sweep's best.
	head := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "task") && strings.Contains(l, "method") {
			head = l
		}
	}
	if f := strings.Fields(head); len(f) != 4 || f[2] != "fixture" || f[3] != "other" {
		t.Errorf("got header %q, want task, method, fixture, other", head)
	}
	for _, f := range []string{"index.html", "compare.md", "compare-best.csv", "compare-r8.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "compare-r8.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[col["task"]]+"/"+r[col["method"]]+"/"+r[col["sweep"]]] = r[col["rank"]] + " " + r[col["absent"]] + " " + r[col["percent_of_baseline"]]
	}
	for k, want := range map[string]string{
		"squad/lora/fixture": "8  100", "squad/lora/other": "8  100",
		"squad/tl6/other": "8  12.50610352", "squad/vera/fixture": "8 method ", "iwslt/lora/fixture": "8 task ",
	} {
		if got[k] != want {
			t.Errorf("compare-r8.csv %s: got %q, want %q", k, got[k], want)
		}
	}
}

// Sweeps of the same name are told apart; --label names them instead.
func TestReportCompareLabels(t *testing.T) {
	a := reportFixture(t)
	b := reportFixture(t)
	out, errOut, code := run(t, "report", "--db", a, "--db", b, "--out", t.TempDir(), "--format", "csv")
	if code != 0 || !strings.Contains(out, "compared 2 sweeps: fixture ("+a+"), fixture (2) ("+b+")") {
		t.Errorf("exit %d, %s\n%s; want the second fixture as fixture (2)", code, errOut, out)
	}
	out, errOut, code = run(t, "report", "--db", a, "--db", b, "--label", "gpt-2b", "--label", "llama-7b", "--out", t.TempDir(), "--format", "md")
	if code != 0 || !strings.Contains(out, "compared 2 sweeps: gpt-2b ("+a+"), llama-7b ("+b+")") || !strings.Contains(out, "wrote 1 files") {
		t.Errorf("exit %d, %s\n%s; want the labels", code, errOut, out)
	}
}

func TestReportCompareBadInput(t *testing.T) {
	a, b := compareFixtures(t)
	// A sweep whose trials have no score yet.
	empty := filepath.Join(t.TempDir(), "sweep.db")
	st, err := results.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncTrials(context.Background(), results.SweepFile{Name: "pending", Path: "p.yaml", Text: "name: pending", Hash: "h"},
		[]results.TrialRow{{ID: "t1", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: "{}", Config: "{}"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--db", a, "--db", empty}, "sweep pending has no trial with a test score yet"},
		{[]string{"--db", a, "--db", filepath.Join(t.TempDir(), "none.db")}, "does not exist"},
		{[]string{"--db", a, "--db", a}, "is given twice"},
		{[]string{"--db", a, "--db", b, "--label", "x"}, "got 1 --label for 2 sweeps"},
		{[]string{"--db", a, "--db", b, "--label", "x", "--label", "x"}, `--label "x" is given twice`},
		{[]string{"--db", a, "--db", b, "--label", "x", "--label", " "}, "--label 2 is empty"},
		{[]string{"--db", a, "--db", b, "--rank", "4"}, "no compared sweep has rank 4"},
		{[]string{"--db", a, "--db", b, "--format", "tex"}, `a comparison of sweeps writes html, md, csv, not "tex"`},
		{[]string{"--db", a, "--label", "x"}, "--label names the sweeps of a comparison"},
		{[]string{"x.yaml", "y.yaml", "--db", a}, "either as FILEs or as --db paths, not both"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, append(append([]string{"report"}, tt.args...), "--out", t.TempDir())...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got exit %d, %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
