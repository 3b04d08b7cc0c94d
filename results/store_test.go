package results

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newAttempt(t *testing.T, s *Store) Attempt {
	t.Helper()
	ctx := context.Background()
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "t", Hash: "h"}, []TrialRow{{ID: "t1", Seed: 1, HParams: "{}", Config: "{}"}}); err != nil {
		t.Fatal(err)
	}
	a, err := s.StartAttempt(ctx, "t1", "local", "cpu0", func(int) string { return t.TempDir() })
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestMetricsRoundTrip: every float64 comes back bit for bit, and names
// of any spelling come back as they were.
func TestMetricsRoundTrip(t *testing.T) {
	s := openTest(t)
	a := newAttempt(t, s)
	rng := rand.New(rand.NewPCG(3, 4))
	var ms []Metric
	for i := range 20000 {
		var v float64
		switch i % 4 {
		case 0:
			v = rng.Float64()
		case 1:
			v = math.Float64frombits(rng.Uint64()&^(0x7ff<<52) | uint64(rng.IntN(2046)+1)<<52) // any finite
		case 2:
			v = float64(rng.IntN(1e6)) / 1000
		case 3:
			v = -rng.NormFloat64() * 1e-8
		}
		ms = append(ms, Metric{Step: i, Name: []string{"loss", "lr", `we"ird\n`, "ü"}[i%4], Value: v})
	}
	if err := s.Ingest(context.Background(), a.ID, Batch{Metrics: ms, Offset: 10}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.Query(`SELECT name, step, value FROM metrics WHERE attempt = ?`, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[[2]any]float64{}
	for _, m := range ms {
		want[[2]any{m.Name, m.Step}] = m.Value
	}
	n := 0
	for rows.Next() {
		var name string
		var step int
		var v float64
		if err := rows.Scan(&name, &step, &v); err != nil {
			t.Fatal(err)
		}
		if w := want[[2]any{name, step}]; math.Float64bits(w) != math.Float64bits(v) {
			t.Errorf("%s@%d: got %v, want %v", name, step, v, w)
		}
		n++
	}
	if n != len(ms) {
		t.Errorf("got %d rows, want %d", n, len(ms))
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sweep.db")
	for range 2 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var v int
	r.r.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != len(migrations) {
		t.Errorf("got user_version %d, want %d", v, len(migrations))
	}
}

func TestFinishOnce(t *testing.T) {
	s := openTest(t)
	a := newAttempt(t, s)
	ctx := context.Background()
	if err := s.FinishAttempt(ctx, a.ID, Finish{Status: AttemptSucceeded, TrialState: TrialSucceeded}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAttempt(ctx, a.ID, Finish{Status: AttemptFailed, TrialState: TrialFailed}); err != nil {
		t.Fatal(err)
	}
	st, err := s.TrialStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st["t1"]; got.State != TrialSucceeded || got.Failures != 0 {
		t.Errorf("got %+v, want the first end to stand", got)
	}
}
