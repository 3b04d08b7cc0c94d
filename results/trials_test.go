package results

import (
	"context"
	"database/sql"
	"math"
	"reflect"
	"testing"
)

// trialsStore holds, in file order: t1 succeeded on its second attempt
// (after a failure) with worker and runner scores at two steps and a
// diverged f1; t2 failed; t3 is pending, without a parameter count (a
// command worker's); t4 is pending, counted at 0 (base); an orphan of an
// earlier file.
func trialsStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s := openTest(t)
	file := SweepFile{Name: "n", Hash: "h", TaskKeys: map[string]string{"squad": "exact_match"}}
	rows := []TrialRow{
		{ID: "t1", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: `{"lr":0.001}`, Config: "{}", Counted: true, Trainable: 100},
		{ID: "t2", Task: "squad", Method: "tl6", Rank: 8, Seed: 1, HParams: `{"lr":0.001}`, Config: "{}", Counted: true, Trainable: 10},
		{ID: "t3", Task: "mine", Method: "mine", Seed: 2, HParams: `{}`, Config: "{}"},
		{ID: "t4", Task: "squad", Method: "base", Seed: 1, HParams: `{}`, Config: "{}", Counted: true},
	}
	orphan := TrialRow{ID: "old", Task: "squad", Seed: 9, HParams: "{}", Config: "{}"}
	if _, err := s.SyncTrials(ctx, file, append([]TrialRow{orphan}, rows...)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncTrials(ctx, file, rows); err != nil {
		t.Fatal(err)
	}
	attempt := func(trial string, ok bool, b Batch) {
		a, err := s.StartAttempt(ctx, trial, "local", "cpu0", func(n int) string { return trial + "/" + string(rune('0'+n)) })
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ingest(ctx, a.ID, b); err != nil {
			t.Fatal(err)
		}
		f := Finish{Status: AttemptSucceeded, TrialState: TrialSucceeded}
		if !ok {
			f = Finish{Status: AttemptFailed, TrialState: TrialFailed}
		}
		if err := s.FinishAttempt(ctx, a.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	attempt("t1", false, Batch{LastStep: 5, Scores: []Score{{Step: 5, Split: "test", Metric: "exact_match", Value: 99, Source: "runner"}}})
	attempt("t1", true, Batch{LastStep: 100, Scores: []Score{
		{Step: 50, Split: "validation", Metric: "exact_match", Value: 40, Source: "runner"},
		{Step: 100, Split: "validation", Metric: "exact_match", Value: 50, Source: "runner"},
		{Step: 100, Split: "validation", Metric: "exact_match", Value: 70, Source: "worker"},
		{Step: 100, Split: "test", Metric: "exact_match", Value: 60, Source: "worker"},
		{Step: 100, Split: "test", Metric: "f1", Value: math.NaN(), Source: "runner"},
	}})
	attempt("t2", false, Batch{LastStep: 30})
	return s
}

func TestTrialResults(t *testing.T) {
	s := trialsStore(t)
	tr, err := s.TrialResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Trials) != 4 {
		t.Fatalf("got %d trials, want 4 (the orphan left out)", len(tr.Trials))
	}
	t1, t2, t3, t4 := tr.Trials[0], tr.Trials[1], tr.Trials[2], tr.Trials[3]
	if t1.Trial != "t1" || t1.Attempts != 2 || t1.AttemptStatus != AttemptSucceeded || *t1.Steps != 100 || *t1.Trainable != 100 || t1.WallSeconds == nil {
		t.Errorf("t1: got %+v, want its second attempt, succeeded at step 100", t1)
	}
	want := []TrialScore{{"test", "exact_match", 60}, {"test", "f1", math.NaN()}, {"validation", "exact_match", 50}}
	if len(t1.Scores) != len(want) {
		t.Fatalf("t1: got scores %v, want %v", t1.Scores, want)
	}
	for i, w := range want {
		g := t1.Scores[i]
		if g.Split != w.Split || g.Metric != w.Metric || !(g.Value == w.Value || math.IsNaN(g.Value) && math.IsNaN(w.Value)) {
			t.Errorf("t1 score %d: got %v, want %v (the runner's over the worker's, the last step)", i, g, w)
		}
	}
	if t2.State != TrialFailed || t2.Attempts != 1 || *t2.Steps != 30 || len(t2.Scores) != 0 {
		t.Errorf("t2: got %+v, want failed at step 30 without scores", t2)
	}
	if t3.Attempts != 0 || t3.Attempt != 0 || t3.Steps != nil || t3.WallSeconds != nil || t3.Trainable != nil || t3.State != TrialPending {
		t.Errorf("t3: got %+v, want pending with nothing else", t3)
	}
	if t4.Trainable == nil || *t4.Trainable != 0 {
		t.Errorf("t4: got trainable %v, want 0 (counted: base trains nothing), not NULL", t4.Trainable)
	}
	if !reflect.DeepEqual(tr.TaskKeys, map[string]string{"squad": "exact_match"}) || !reflect.DeepEqual(tr.TestMetrics["squad"], []string{"exact_match", "f1"}) {
		t.Errorf("got keys %v and test metrics %v", tr.TaskKeys, tr.TestMetrics)
	}
}

// TestTrialViews: the trial_results and trial_scores views (migration 6)
// give what TrialResults reads.
func TestTrialViews(t *testing.T) {
	s := trialsStore(t)
	tr, err := s.TrialResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.Query(`SELECT trial, task, method, rank, seed, hparams, trainable, state, attempts, attempt, metric,
		validation, test, steps, wall_s FROM trial_results`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var g TrialResult
		var task, method, metric sql.NullString
		var rank, trainable, attempt, steps sql.NullInt64
		var val, test, wall sql.NullFloat64
		if err := rows.Scan(&g.Trial, &task, &method, &rank, &g.Seed, &g.HParams, &trainable, &g.State, &g.Attempts, &attempt, &metric,
			&val, &test, &steps, &wall); err != nil {
			t.Fatal(err)
		}
		w := tr.Trials[i]
		got := []any{g.Trial, task.String, method.String, int(rank.Int64), g.Seed, g.HParams, g.State, g.Attempts, attempt.Int64, trainable.Valid, steps.Valid, wall.Valid}
		want := []any{w.Trial, w.Task, w.Method, w.Rank, w.Seed, w.HParams, w.State, w.Attempts, w.Attempt, w.Trainable != nil, w.Steps != nil, w.WallSeconds != nil}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d: got %v, want %v", i, got, want)
		}
		if w.Steps != nil && *w.Steps != steps.Int64 || w.WallSeconds != nil && *w.WallSeconds != wall.Float64 {
			t.Errorf("%s: got steps %v and wall %v, want %v and %v", w.Trial, steps, wall, *w.Steps, *w.WallSeconds)
		}
		if w.Trial == "t1" && (metric.String != "exact_match" || val.Float64 != 50 || test.Float64 != 60) {
			t.Errorf("t1: got %v %v %v, want exact_match 50 60", metric, val, test)
		}
		if w.Trial != "t1" && (val.Valid || test.Valid) {
			t.Errorf("%s: got scores %v %v, want none", w.Trial, val, test)
		}
	}
	if i != len(tr.Trials) {
		t.Errorf("got %d rows, want %d", i, len(tr.Trials))
	}
	var n int
	var nf string
	if err := s.r.QueryRow(`SELECT count(*), max(coalesce(nonfinite, '')) FROM trial_scores WHERE trial = 't1'`).Scan(&n, &nf); err != nil || n != 3 || nf != "nan" {
		t.Errorf("trial_scores of t1: %v, got %d rows (nonfinite %q), want 3 with the diverged f1", err, n, nf)
	}
}
