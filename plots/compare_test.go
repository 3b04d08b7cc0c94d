package plots

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// otherFixture is a second sweep to compare the fixture with: some of
// its tasks and methods, a task and a method it does not have, other
// ranks and seeds, and per-example statistics, so its entries carry the
// paired bootstrap.
var otherFixture = fixture.Options{
	Name:     "other",
	Model:    "llama2-7b",
	Tasks:    []string{"squad", "gsm8k", "iwslt"},
	Methods:  []string{"lora", "tl6", "vera"},
	Ranks:    []int{8, 16},
	Seeds:    []int64{1, 2},
	LRs:      []float64{1e-3},
	Steps:    100,
	Examples: 40,
}

// compareFixtures analyses the fixture and the other sweep and compares
// them at their best ranks and at rank 8.
func compareFixtures(t *testing.T) []*analysis.Comparison {
	t.Helper()
	ctx := context.Background()
	var sweeps []analysis.Compared
	for _, s := range []Source{openFixture(t), writeFixture(t, otherFixture)} {
		recs, err := s.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, err := analysis.Analyze(recs, analysis.Options{Ranks: []int{}})
		if err != nil {
			t.Fatal(err)
		}
		sweeps = append(sweeps, analysis.Compared{Label: a.Sweep, Analysis: a})
	}
	var cs []*analysis.Comparison
	for _, r := range []int{0, 8} {
		c, err := analysis.Compare(sweeps, r)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

// TestCompareGolden compares the comparison's Markdown, CSV and terminal
// table with the reviewed copies in testdata/golden-compare.
func TestCompareGolden(t *testing.T) {
	dir := t.TempDir()
	sum, err := WriteComparison(dir, compareFixtures(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(sum.Files, " "), "compare-best.csv compare-r8.csv compare.md index.html"; got != want {
		t.Errorf("got files %s, want %s", got, want)
	}
	os.WriteFile(filepath.Join(dir, "headline.txt"), []byte(sum.Headline), 0o644)
	for _, name := range []string{"compare.md", "compare-best.csv", "compare-r8.csv", "headline.txt"} {
		t.Run(name, func(t *testing.T) {
			got := read(t, filepath.Join(dir, name))
			golden := filepath.Join("testdata", "golden-compare", name)
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := read(t, golden); got != want {
				t.Errorf("%s differs from %s (go test ./plots -update rewrites it; review the diff):\n%s", name, golden, firstDiff(got, want))
			}
		})
	}
	html := read(t, filepath.Join(dir, "index.html"))
	for _, want := range []string{"<th class=\"sweep\" colspan=\"4\">fixture</th>", "<th class=\"sweep\" colspan=\"4\">other</th>",
		"&lt;script&gt;alert(1)&lt;/script&gt;", "Compared at rank 8", "other has no task dialogsum (shown —)", "†"} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") {
		t.Errorf("index.html has a script element")
	}
}

func TestCompareFormats(t *testing.T) {
	cs := compareFixtures(t)
	dir := t.TempDir()
	sum, err := WriteComparison(dir, cs[:1], []string{FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sum.Files, " "); got != "compare-best.csv" {
		t.Errorf("got files %s, want compare-best.csv only", got)
	}
	if _, err := WriteComparison(dir, cs, []string{FormatTeX}); err == nil || !strings.Contains(err.Error(), `writes html, md, csv, not "tex"`) {
		t.Errorf("got %v, want an error about tex", err)
	}
}
