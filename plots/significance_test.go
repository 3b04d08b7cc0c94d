package plots

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// TestGoldenSignificance: the small fixture with 200 test examples'
// statistics per runner score gives a report that tests each difference
// from the baseline, compared with the reviewed copies in
// testdata/golden-sig (the plain fixture's goldens have no trace of it).
func TestGoldenSignificance(t *testing.T) {
	o := fixture.Small
	o.Examples = 200
	s := writeFixture(t, o)
	dir := filepath.Join(t.TempDir(), "report")
	if _, err := loadWrite(context.Background(), s, dir, Options{Formats: []string{FormatHTML, FormatMD, FormatCSV, FormatTeX}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report.md", "results.csv", "table-best.csv", "table-r8.csv", "table-best.tex"} {
		t.Run(name, func(t *testing.T) {
			got := read(t, filepath.Join(dir, name))
			golden := filepath.Join("testdata", "golden-sig", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
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
	// Every format shows the mark, the ones with room the share too; the
	// protocol text states the test.
	for _, tt := range []struct{ file, want string }{
		{"index.html", "†; 0.00)"},
		{"index.html", "paired bootstrap"},
		{"report.md", "(−0.0033; 0.15)"},
		{"report.md", "1000 resamples"},
		{"table-best.tex", `$^\dagger$)`},
		{"results.csv", "share_beats_baseline,beyond_noise"},
	} {
		if got := read(t, filepath.Join(dir, tt.file)); !strings.Contains(got, tt.want) {
			t.Errorf("%s: got no %q", tt.file, tt.want)
		}
	}
	for _, name := range []string{"report.md", "results.csv", "table-best.tex"} {
		if strings.Contains(read(t, filepath.Join("testdata", "golden", name)), "†") ||
			strings.Contains(read(t, filepath.Join("testdata", "golden", name)), "beyond_noise") {
			t.Errorf("testdata/golden/%s mentions the significance test, want none without statistics", name)
		}
	}
}
