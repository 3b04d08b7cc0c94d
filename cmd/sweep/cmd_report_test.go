package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

func reportFixture(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "fixture", "sweep.db")
	if err := fixture.Write(context.Background(), db, fixture.Small); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestReport(t *testing.T) {
	db := reportFixture(t)
	out, errOut, code := run(t, "report", "--db", db, "--format", "html,md,csv,tex", "--rank", "8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dir := filepath.Join(filepath.Dir(db), "report") // beside the database by default
	for _, want := range []string{"wrote 10 files to " + dir, filepath.Join(dir, "index.html"), "255 of 270 trials done, 6 failed, 9 missing",
		"Each method at its best rank\n", "*: the best of each task"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant it to contain %q", out, want)
		}
	}
	// The headline table: a row per method, columns aligned.
	if !regexp.MustCompile(`(?m)^ *lora +[0-9.]+ ± [0-9.]+\* r=`).MatchString(out) {
		t.Errorf("got\n%s\nwant the best-rank table with a lora row", out)
	}
	for _, f := range []string{"index.html", "report.md", "results.csv", "trials.csv", "table-best.tex", "table-r8.tex"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "table-r2.tex")); err == nil {
		t.Errorf("got table-r2.tex, want only the ranks asked for")
	}
}

// Without --rank there is a table at every rank of the sweep.
func TestReportEveryRank(t *testing.T) {
	db := reportFixture(t)
	dir := t.TempDir()
	if _, errOut, code := run(t, "report", "--db", db, "--out", dir, "--format", "tex"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, _ := filepath.Glob(filepath.Join(dir, "table-*.tex"))
	if len(got) != 4 {
		t.Errorf("got tables %v, want table-best and one per rank (2, 8, 32)", got)
	}
}

func TestReportBaselineWarning(t *testing.T) {
	db := reportFixture(t)
	_, errOut, code := run(t, "report", "--db", db, "--out", t.TempDir(), "--format", "md", "--baseline", "vera")
	if code != 0 || !strings.Contains(errOut, `no method "vera"`) {
		t.Errorf("exit %d, stderr %q; want 0 and a warning about vera", code, errOut)
	}
}

func TestReportBadInput(t *testing.T) {
	db := reportFixture(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "give a sweep FILE or --db PATH"},
		{[]string{"report", "--db", filepath.Join(t.TempDir(), "none.db")}, "does not exist"},
		{[]string{"report", "--db", db, "--format", "pdf"}, `unknown report format "pdf"`},
		{[]string{"report", "--db", db, "--rank", "7"}, "no rank 7"},
		{[]string{"report", "--db", db, "--epsilon", "-1"}, "--epsilon must be positive"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, append(tt.args, "--out", t.TempDir())...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got exit %d, %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
