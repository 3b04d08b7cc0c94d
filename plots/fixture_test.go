package plots

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// The fixture database is written once per test binary and shared,
// read-only, by the tests.
var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixturePath string
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// openFixture opens the small fixture sweep for reading.
func openFixture(t testing.TB) *results.Store {
	t.Helper()
	fixtureOnce.Do(func() {
		if fixtureDir, fixtureErr = os.MkdirTemp("", "plots-fixture-"); fixtureErr != nil {
			return
		}
		fixturePath = filepath.Join(fixtureDir, "sweep.db")
		if fixtureErr = fixture.Write(context.Background(), fixturePath, fixture.Small); fixtureErr == nil {
			// trials.csv has wall times: a fixed clock keeps it golden.
			fixtureErr = fixture.PinTimes(fixturePath)
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	s, err := results.OpenReader(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// loadWrite loads a sweep from its store and writes its report, as
// `sweep report` does.
func loadWrite(ctx context.Context, s Source, dir string, opt Options) (*Summary, error) {
	in, err := Load(ctx, s, analysis.Options{})
	if err != nil {
		return nil, err
	}
	return Write(dir, in, opt)
}

// writeFixture writes a fixture sweep of options o into a new temporary
// folder and opens it for reading until the test ends.
func writeFixture(tb testing.TB, o fixture.Options) *results.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "sweep.db")
	if err := fixture.Write(context.Background(), path, o); err != nil {
		tb.Fatal(err)
	}
	s, err := results.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
