package plots

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// The fixture's report is written once and read by several tests.
var (
	reportOnce sync.Once
	reportDir  string
	reportErr  error
)

func fixtureReport(t *testing.T) string {
	t.Helper()
	s := openFixture(t)
	reportOnce.Do(func() {
		reportDir = filepath.Join(fixtureDir, "report")
		_, reportErr = loadWrite(context.Background(), s, reportDir, Options{})
	})
	if reportErr != nil {
		t.Fatal(reportErr)
	}
	return reportDir
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGolden compares the tables, the stability report and the CSV files
// of the fixture sweep with the reviewed copies in testdata/golden.
func TestGolden(t *testing.T) {
	dir := fixtureReport(t)
	for _, name := range []string{"report.md", "results.csv", "stability.csv", "fronts.csv", "table-best.csv", "table-r8.csv", "table-best.tex", "table-r8.tex", "trials.csv"} {
		t.Run(name, func(t *testing.T) {
			got := read(t, filepath.Join(dir, name))
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := read(t, golden)
			if got != want {
				t.Errorf("%s differs from %s (go test ./plots -update rewrites it; review the diff):\n%s", name, golden, firstDiff(got, want))
			}
		})
	}
}

// firstDiff shows the first line that differs.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}

// TestDeterministic: the same database gives the same files, byte for byte.
func TestDeterministic(t *testing.T) {
	s := openFixture(t)
	first := fixtureReport(t)
	again := t.TempDir()
	if _, err := loadWrite(context.Background(), s, again, Options{Formats: []string{FormatHTML, FormatSVG, FormatMD, FormatCSV, FormatTeX}}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(again)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if a, b := read(t, filepath.Join(first, e.Name())), read(t, filepath.Join(again, e.Name())); a != b {
			t.Errorf("%s: two reports of one database differ", e.Name())
		}
	}
}

// TestUntrustedNamesAreText: a method named <script>alert(1)</script>
// prints as text in every format.
func TestUntrustedNamesAreText(t *testing.T) {
	dir := fixtureReport(t)
	const name = "<script>alert(1)</script>"
	tests := []struct {
		file, want string
	}{
		{"index.html", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"params-squad.svg", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"report.md", `\<script\>alert(1)\</script\>`},
		{"table-r8.tex", `\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{}`},
		{"results.csv", name}, // CSV is data: the name as it is
	}
	for _, tt := range tests {
		got := read(t, filepath.Join(dir, tt.file))
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: got no %q", tt.file, tt.want)
		}
		if tt.file != "results.csv" && strings.Contains(got, name) {
			t.Errorf("%s: got the name unescaped", tt.file)
		}
	}
}

func TestEscapers(t *testing.T) {
	tests := []struct {
		in, md, tex string
	}{
		{"tl6", "tl6", "tl6"},
		{"a|b*c_d`e", "a\\|b\\*c\\_d\\`e", `a|b*c\_d` + "`e"},
		{"<b>[x](y)</b>", `\<b\>\[x\](y)\</b\>`, `\textless{}b\textgreater{}{[}x{]}(y)\textless{}/b\textgreater{}`},
		{`\ { } $ & # ^ % ~`, `\\ { } $ \& # ^ % ~`, `\textbackslash{} \{ \} \$ \& \# \textasciicircum{} \% \textasciitilde{}`},
		{"two\nlines", "two lines", "two lines"},
	}
	for _, tt := range tests {
		if got := Markdown(tt.in); got != tt.md {
			t.Errorf("Markdown(%q): got %q, want %q", tt.in, got, tt.md)
		}
		if got := LaTeX(tt.in); got != tt.tex {
			t.Errorf("LaTeX(%q): got %q, want %q", tt.in, got, tt.tex)
		}
	}
}

// TestIndexSelfContained: index.html loads nothing: no script, no
// stylesheet or image link, no URL but its own anchors.
func TestIndexSelfContained(t *testing.T) {
	html := read(t, filepath.Join(fixtureReport(t), "index.html"))
	for _, bad := range []string{"<script", "<link", "<img", "src=", "@import", "url(", "http://www.w3.org/1999/xlink\" href"} {
		if strings.Contains(html, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
	if n := strings.Count(html, "<svg"); n < 10 {
		t.Errorf("got %d inline SVG charts, want at least 10", n)
	}
	if n := strings.Count(html, "<table"); n != 1+4+3 {
		t.Errorf("got %d tables, want 8 (completeness, 4 result tables, 3 stability)", n)
	}
	// The all-task chart comes right after the headline table, once; the
	// fixture is incomplete, so the trial matrix is open.
	best, panels, second := strings.Index(html, `id="table-best"`), strings.Index(html, `id="panels"`), strings.Index(html, `id="table-r2"`)
	if strings.Count(html, `id="panels"`) != 1 || !(best < panels && panels < second) {
		t.Errorf("panels chart at %d, want once between the best-rank table (%d) and the next (%d)", panels, best, second)
	}
	if !strings.Contains(html, "<details open><summary>Trials by task") {
		t.Errorf("want the trial matrix open for an incomplete sweep")
	}
}

// TestPartialSweep: a sweep that has not run, and a database with no
// sweep, still get a report that says what is missing.
func TestPartialSweep(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sweep.db")
	s, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	if _, err := loadWrite(ctx, s, dir, Options{}); err != nil {
		t.Fatalf("empty database: %v", err)
	}
	trials := []results.TrialRow{
		{ID: "a", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: "{}", Config: "{}"},
		{ID: "b", Task: "squad", Method: "tl6", Rank: 8, Seed: 1, HParams: "{}", Config: "{}"},
	}
	if _, err := s.SyncTrials(ctx, results.SweepFile{Name: "fresh", Text: "name: fresh", Hash: "h"}, trials); err != nil {
		t.Fatal(err)
	}
	sum, err := loadWrite(ctx, s, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := read(t, filepath.Join(dir, "report.md"))
	for _, want := range []string{"2 trials planned: 0 scored, 0 failed, 0 running, 2 missing", "squad · tl6 · r=8: 0 of 1 trials scored", "completeness.svg"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md: got no %q in\n%s", want, md)
		}
	}
	if len(sum.Files) == 0 || !bytes.Contains([]byte(read(t, filepath.Join(dir, "index.html"))), []byte("2 missing")) {
		t.Errorf("index.html does not say what is missing")
	}
}
