package results

import (
	"context"
	"errors"
	"testing"
)

// TestDashboardReads: the change marker moves with each kind of write,
// points and scores after a step are what a live curve lacks, and unknown
// ids are ErrNotFound.
func TestDashboardReads(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []TrialRow{{ID: "a", Task: "squad", Method: "lora", Rank: 8, Seed: 1, HParams: "{}", Config: `{"id":"a"}`}}
	if _, err := s.SyncTrials(ctx, SweepFile{Name: "n", Hash: "h"}, rows); err != nil {
		t.Fatal(err)
	}
	m0, err := s.Marker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.StartAttempt(ctx, "a", "local", "cpu0", func(int) string { return "trials/a/1" })
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := s.Marker(ctx)
	if m1.Attempts == m0.Attempts || m1.Trials == m0.Trials {
		t.Errorf("a started attempt: got marker %+v after %+v, want attempts and trials to move", m1, m0)
	}
	b := Batch{Metrics: []Metric{{Step: 1, Name: "loss", Value: 2}, {Step: 2, Name: "loss", Value: 1}},
		Scores: []Score{{Step: 2, Split: "validation", Metric: "f1", Value: 0.5, Source: "worker"}},
		Events: []EventRow{{T: "t", Kind: "start", Body: "{}"}}}
	if err := s.Ingest(ctx, a.ID, b); err != nil {
		t.Fatal(err)
	}
	m2, _ := s.Marker(ctx)
	if m2.Metrics == m1.Metrics || m2.Scores == m1.Scores || m2.Events == m1.Events {
		t.Errorf("a batch: got marker %+v after %+v, want metrics, scores and events to move", m2, m1)
	}
	for _, c := range []struct {
		after     int
		metrics   int
		scores    int
		firstStep int
	}{{0, 2, 1, 1}, {1, 1, 1, 2}, {2, 0, 0, 0}} {
		ms, err := s.MetricsAfter(ctx, a.ID, c.after)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := s.ScoresAfter(ctx, a.ID, c.after)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != c.metrics || len(sc) != c.scores || (len(ms) > 0 && ms[0].Step != c.firstStep) {
			t.Errorf("after %d: got %v and %v, want %d metrics from step %d and %d scores", c.after, ms, sc, c.metrics, c.firstStep, c.scores)
		}
	}
	code := 1
	if err := s.FinishAttempt(ctx, a.ID, Finish{Status: AttemptFailed, ExitCode: &code, ErrorKind: "oom", StderrTail: "boom", TrialState: TrialFailed}); err != nil {
		t.Fatal(err)
	}
	m3, _ := s.Marker(ctx)
	if m3.Ended == m2.Ended || m3.Trials == m2.Trials {
		t.Errorf("an ended attempt: got marker %+v after %+v, want ended and trials to move", m3, m2)
	}
	info, err := s.AttemptInfo(ctx, a.ID)
	if err != nil || info.Task != "squad" || info.Rank != 8 || info.ErrorKind != "oom" || info.StderrTail != "boom" || *info.ExitCode != 1 {
		t.Errorf("got %+v, %v; want the failed attempt with its trial's axes and stderr tail", info, err)
	}
	fails, err := s.FailedInfos(ctx, 5)
	if err != nil || len(fails) != 1 || fails[0].ID != a.ID {
		t.Errorf("got failures %+v, %v; want the one attempt", fails, err)
	}
	evs, err := s.AttemptEvents(ctx, a.ID, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != "start" {
		t.Errorf("got events %+v, %v; want the start event", evs, err)
	}
	if ct, err := s.CellTrials(ctx, "squad", "lora", 8); err != nil || len(ct) != 1 || ct[0].State != TrialFailed {
		t.Errorf("got cell trials %+v, %v; want trial a, failed", ct, err)
	}
	if _, err := s.AttemptInfo(ctx, a.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown attempt: got %v, want ErrNotFound", err)
	}
	if _, err := s.Trial(ctx, "../x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown trial: got %v, want ErrNotFound", err)
	}
	if tr, err := s.Trial(ctx, "a"); err != nil || tr.Config != `{"id":"a"}` || tr.State != TrialFailed {
		t.Errorf("got trial %+v, %v", tr, err)
	}
}
