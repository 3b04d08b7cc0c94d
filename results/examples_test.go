package results

import (
	"context"
	"reflect"
	"testing"
)

// TestRecordsExamples: per-example statistics are written with the
// scores and read back for the latest runner-scored test step of each
// succeeded attempt of the current file; validation rows, earlier steps,
// failed attempts and orphaned trials are left out, and ingesting a row
// again replaces it.
func TestRecordsExamples(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []TrialRow{
		{ID: "a", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: `{}`, Config: "{}"},
		{ID: "b", Task: "squad", Method: "vera", Rank: 8, Seed: 1, HParams: `{}`, Config: "{}"},
		{ID: "gone", Task: "squad", Method: "lora", Rank: 8, Seed: 2, HParams: `{}`, Config: "{}"},
	}
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h1"}, rows); err != nil {
		t.Fatal(err)
	}
	ex := func(step int, split, id string, st ...float64) ExampleStats {
		return ExampleStats{Step: step, Split: split, Example: id, Metric: "squad", Stats: st}
	}
	// Many rows, so that inserts span several statements.
	var many []ExampleStats
	var wantIDs []string
	var wantStats [][]float64
	for i := range 150 {
		id := string(rune('a'+i/26)) + string(rune('a'+i%26))
		many = append(many, ex(20, "test", id, 1, float64(i%2), 0.5))
		wantIDs = append(wantIDs, id)
		wantStats = append(wantStats, []float64{1, float64(i % 2), 0.5})
	}
	finish := func(trial, status string, batches ...Batch) int64 {
		t.Helper()
		a, err := s.StartAttempt(ctx, trial, "local", "cpu0", func(int) string { return t.TempDir() })
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range batches {
			b.Offset = int64(i + 1)
			if err := s.Ingest(ctx, a.ID, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.FinishAttempt(ctx, a.ID, Finish{Status: status, TrialState: status}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	finish("a", AttemptFailed, Batch{Examples: []ExampleStats{ex(5, "test", "x", 1, 1, 1)}})
	a := finish("a", AttemptSucceeded,
		Batch{Examples: []ExampleStats{ex(10, "test", "q1", 1, 0, 0), ex(10, "validation", "v1", 1, 1, 1)}},
		Batch{Examples: []ExampleStats{ex(20, "test", "q2", 1, 1, 0.5), ex(20, "test", "q1", 1, 0, 0.25), ex(20, "validation", "v9", 1, 1, 1)}},
		Batch{Examples: []ExampleStats{ex(20, "test", "q1", 1, 1, 1)}, Scores: []Score{{Step: 20, Split: "test", Metric: "f1", Value: 75, Source: "runner"}}})
	b := finish("b", AttemptSucceeded, Batch{Examples: many})
	finish("gone", AttemptSucceeded, Batch{Examples: []ExampleStats{ex(1, "test", "x", 1, 1, 1)}})
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h2"}, rows[:2]); err != nil {
		t.Fatal(err)
	}
	recs, err := s.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []AttemptExamples{
		{Attempt: a, Step: 20, Metric: "squad", IDs: []string{"q1", "q2"}, Stats: [][]float64{{1, 1, 1}, {1, 1, 0.5}}},
		{Attempt: b, Step: 20, Metric: "squad", IDs: wantIDs, Stats: wantStats},
	}
	if !reflect.DeepEqual(recs.Examples, want) {
		t.Errorf("got examples\n%+v\nwant\n%+v", recs.Examples, want)
	}
	if len(recs.Scores) != 1 || recs.Scores[0].Value != 75 {
		t.Errorf("got scores %+v, want the one runner score", recs.Scores)
	}
}
