package results

import (
	"context"
	"slices"
	"testing"
)

// TestDashboardEarlyStop: decisions are read per trial and counted, their
// mark moves with each, and the trials changed since a read are those
// with new events or decisions; new attempts are listed however briefly
// they ran.
func TestDashboardEarlyStop(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []TrialRow{
		{ID: "a", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: "{}", Config: `{"id":"a"}`},
		{ID: "b", Task: "squad", Method: "lora", Rank: 8, Seed: 2, HParams: "{}", Config: `{"id":"b"}`},
	}
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h"}, rows); err != nil {
		t.Fatal(err)
	}
	if c, err := s.EarlyStopCounts(ctx); err != nil || c != (EarlyStopCounts{}) {
		t.Errorf("no decisions: got %+v, %v", c, err)
	}
	m0, _ := s.Marker(ctx)
	e0, err := s.EarlyStopMark(ctx)
	if err != nil || e0 != 0 {
		t.Fatalf("got mark %d, %v; want 0", e0, err)
	}
	a, err := s.StartAttempt(ctx, "a", "local", "cpu0", func(int) string { return "trials/a/1" })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ingest(ctx, a.ID, Batch{LastStep: 20, Events: []EventRow{{T: "t", Kind: "start", Body: "{}"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDecision(ctx, Decision{Trial: "b", Step: 10, Action: ActionContinue}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDecision(ctx, Decision{Trial: "a", Step: 20, Action: ActionStop, Reason: "worse than <median>"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAttempt(ctx, a.ID, Finish{Status: AttemptPruned, ErrorKind: "pruned", Error: "worse than <median>", TrialState: TrialPruned}); err != nil {
		t.Fatal(err)
	}
	e1, err := s.EarlyStopMark(ctx)
	if err != nil || e1 <= e0 {
		t.Errorf("got mark %d after %d, %v; want it to move", e1, e0, err)
	}
	ds, err := s.TrialDecisions(ctx, "a")
	if err != nil || len(ds) != 1 || ds[0].Action != ActionStop || ds[0].Step != 20 || ds[0].Reason != "worse than <median>" {
		t.Errorf("got decisions %+v, %v; want a's stop", ds, err)
	}
	c, err := s.EarlyStopCounts(ctx)
	if err != nil || c.Decisions != 2 || c.Stops != 1 || c.Promotions != 0 || c.StepsTrained != 20 {
		t.Errorf("got counts %+v, %v; want 2 decisions, 1 stop, 20 steps", c, err)
	}
	as, err := s.AttemptsSince(ctx, m0.Attempts)
	if err != nil || len(as) != 1 || as[0].Trial != "a" || as[0].Status != AttemptPruned {
		t.Errorf("got attempts %+v, %v; want a's pruned attempt", as, err)
	}
	ch, err := s.TrialsChangedSince(ctx, m0.Events, e0)
	if err != nil || !slices.Equal(ch, []string{"a", "b"}) {
		t.Errorf("got changed trials %v, %v; want a and b", ch, err)
	}
	m1, _ := s.Marker(ctx)
	if ch, err := s.TrialsChangedSince(ctx, m1.Events, e1); err != nil || len(ch) != 0 {
		t.Errorf("got changed trials %v, %v; want none", ch, err)
	}
	st, err := s.TrialStates(ctx)
	if err != nil || st["a"] != TrialPruned || st["b"] != TrialPending {
		t.Errorf("got states %v, %v", st, err)
	}
	// A database made before early stopping has no decisions.
	if _, err := s.w.Exec(`DROP TABLE early_stops`); err != nil {
		t.Fatal(err)
	}
	if m, err := s.EarlyStopMark(ctx); err != nil || m != 0 {
		t.Errorf("no table: got mark %d, %v", m, err)
	}
	if c, err := s.EarlyStopCounts(ctx); err != nil || c != (EarlyStopCounts{}) {
		t.Errorf("no table: got counts %+v, %v", c, err)
	}
	if ds, err := s.TrialDecisions(ctx, "a"); err != nil || ds != nil {
		t.Errorf("no table: got decisions %+v, %v", ds, err)
	}
	if _, err := s.TrialsChangedSince(ctx, 0, 0); err != nil {
		t.Errorf("no table: %v", err)
	}
}
