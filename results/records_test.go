package results

import (
	"context"
	"maps"
	"math"
	"testing"
)

// TestSyncStoresResolved: the selection rule and task keys the loader
// resolved are stored with the file, and syncing the file again replaces
// them; a database written before they were stored reads the defaults.
func TestSyncStoresResolved(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []TrialRow{{ID: "t1", Task: "squad", Seed: 1, HParams: "{}", Config: "{}"}}
	for _, tt := range []struct {
		p    Protocol
		keys map[string]string
	}{
		{Protocol{Split: "validation", Metric: "f1", Goal: "max"}, map[string]string{"squad": "exact_match", "mine": ""}},
		{Protocol{Split: "test", Goal: "min"}, map[string]string{"squad": "f1"}},
	} {
		if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h", Select: tt.p, TaskKeys: tt.keys}, rows); err != nil {
			t.Fatal(err)
		}
		p, err := s.Protocol(ctx)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := s.TaskKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := maps.Clone(tt.keys)
		delete(want, "mine") // a task without a key stores none
		if p != tt.p || !maps.Equal(keys, want) {
			t.Errorf("got %+v %v, want %+v %v", p, keys, tt.p, want)
		}
	}

	legacy := openTest(t)
	if _, err := legacy.SyncTrials(ctx, SweepFile{Name: "old", Hash: "h"}, rows); err != nil {
		t.Fatal(err)
	}
	if p, err := legacy.Protocol(ctx); err != nil || p != LegacyProtocol {
		t.Errorf("no stored rule: got %+v, %v; want %+v", p, err, LegacyProtocol)
	}
}

// TestRecordsLatestScores: an attempt's records keep, per split and
// metric, the runner's score over the worker's and the last step over
// earlier ones; a non-finite latest score stands as NaN; failed attempts
// and orphaned trials are left out.
func TestRecordsLatestScores(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []TrialRow{
		{ID: "a", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: `{"lr":0.1}`, Config: "{}"},
		{ID: "b", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: `{"lr":0.2}`, Config: "{}"},
		{ID: "gone", Task: "squad", Method: "lora", Rank: 8, Seed: 2, HParams: `{}`, Config: "{}"},
	}
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h1"}, rows); err != nil {
		t.Fatal(err)
	}
	finish := func(trial, status string, scores ...Score) {
		t.Helper()
		a, err := s.StartAttempt(ctx, trial, "local", "cpu0", func(int) string { return t.TempDir() })
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ingest(ctx, a.ID, Batch{Scores: scores, Offset: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishAttempt(ctx, a.ID, Finish{Status: status, TrialState: status}); err != nil {
			t.Fatal(err)
		}
	}
	finish("a", AttemptFailed, Score{Step: 9, Split: "validation", Metric: "f1", Value: 99, Source: "worker"})
	finish("a", AttemptSucceeded,
		Score{Step: 5, Split: "validation", Metric: "f1", Value: 1, Source: "worker"},
		Score{Step: 10, Split: "validation", Metric: "f1", Value: 2, Source: "worker"},
		Score{Step: 10, Split: "test", Metric: "f1", Value: 3, Source: "worker"},
		Score{Step: 8, Split: "test", Metric: "f1", Value: 4, Source: "runner"})
	finish("b", AttemptSucceeded,
		Score{Step: 5, Split: "validation", Metric: "f1", Value: 7, Source: "runner"},
		Score{Step: 10, Split: "validation", Metric: "f1", Value: math.NaN(), Source: "runner"})
	finish("gone", AttemptSucceeded, Score{Step: 1, Split: "test", Metric: "f1", Value: 5, Source: "runner"})
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h2"}, rows[:2]); err != nil {
		t.Fatal(err)
	}
	recs, err := s.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ trial, split string }
	got := map[key]float64{}
	for _, x := range recs.Scores {
		got[key{x.Trial, x.Split}] = x.Value
	}
	want := map[key]float64{{"a", "validation"}: 2, {"a", "test"}: 4, {"b", "validation"}: math.NaN()}
	if len(got) != len(want) {
		t.Errorf("got scores %v, want %v", got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
			t.Errorf("%v: got %v (present %v), want %v", k, g, ok, w)
		}
	}
	if recs.Orphans != 1 || len(recs.Cells) != 1 || recs.Cells[0].Trials != 2 || recs.Cells[0].Succeeded != 2 {
		t.Errorf("got %d orphans and cells %+v; want 1 orphan and one cell of 2 succeeded trials", recs.Orphans, recs.Cells)
	}
	if m := recs.TestMetrics["squad"]; len(m) != 1 || m[0] != "f1" {
		t.Errorf("got test metrics %v, want [f1]", m)
	}
}
