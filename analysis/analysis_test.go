package analysis_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// fixtureRecords are the records of the small fixture sweep.
func fixtureRecords(t *testing.T) *results.Records {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.db")
	if err := fixture.Write(context.Background(), path, fixture.Small); err != nil {
		t.Fatal(err)
	}
	s, err := results.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

const evil = "<script>alert(1)</script>"

// TestSelectionProtocol checks the protocol on cells whose numbers follow
// by hand from the fixture's score model (fixture.go): the runner's test
// score wins over the worker's (+50), the last validation step over the
// mid-training one (+20), the succeeded attempt over the failed one, and
// the selection split picks the learning rate.
func TestSelectionProtocol(t *testing.T) {
	a, err := analysis.Analyze(fixtureRecords(t), analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Protocol != (results.Protocol{Split: "validation", Goal: "max"}) {
		t.Errorf("got protocol %+v, want the file's validation/max", a.Protocol)
	}
	if a.Orphans != 1 {
		t.Errorf("got %d orphans, want 1", a.Orphans)
	}
	tests := []struct {
		task, method string
		rank         int
		tests        []float64 // selected test scores by seed
		hparams      string
		done, failed int
		status       string
	}{
		// SQuAD exact match: 100·(0.70 + seed noise 0, .006, −.004).
		{"squad", "lora", 2, []float64{70, 70.6, 69.6}, "lr=0.001", 6, 0, "done"},
		// Tied methods prefer the larger learning rate.
		{"squad", "tl6", 2, []float64{69.3, 70.5, 68.5}, "lr=0.003", 6, 0, "done"},
		// One trial without a test score: the seed falls back to the other rate.
		{"squad", "tl6", 32, []float64{68.95, 70.15, 68.15}, "lr=0.003", 5, 0, "partial"},
		// 100·0.70·(0.97 − 0.40); seed noise ×1.5 for this method; seed 3 failed.
		{"squad", evil, 32, []float64{39.9, 40.8}, "lr=0.003", 4, 2, "failed"},
		{"dialogsum", "tl1", 32, nil, "", 0, 0, "missing"},
		// 0.30·(0.95 − 0.005); seed 3 never ran.
		{"gsm8k", "tl5", 8, []float64{0.2835, 0.2925}, "lr=0.003", 4, 0, "partial"},
	}
	for _, tt := range tests {
		c := a.Cell(tt.task, tt.method, tt.rank)
		if c == nil {
			t.Fatalf("no cell %s/%s/%d", tt.task, tt.method, tt.rank)
		}
		var got []float64
		for _, sd := range c.Seeds {
			got = append(got, sd.Test)
		}
		if !near(got, tt.tests) || c.HParams != tt.hparams || c.Done != tt.done || c.Failed != tt.failed || c.Status() != tt.status {
			t.Errorf("%s/%s/%d: got tests %v, hparams %q, done %d, failed %d, %s; want %v, %q, %d, %d, %s",
				tt.task, tt.method, tt.rank, got, c.HParams, c.Done, c.Failed, c.Status(), tt.tests, tt.hparams, tt.done, tt.failed, tt.status)
		}
		if c.Planned != 3 || c.Trials != 6 {
			t.Errorf("%s/%s/%d: got %d seeds, %d trials planned; want 3, 6 (the orphan left out)", tt.task, tt.method, tt.rank, c.Planned, c.Trials)
		}
	}
	if c := a.Cell("squad", "tl6", 8); c.Trainable != 524544 || math.Abs(c.PercentOfBaseline-12.50610) > 1e-4 {
		t.Errorf("tl6 r=8: got %d params, %v %% of lora; want 524544, 12.506", c.Trainable, c.PercentOfBaseline)
	}
}

// TestSelectionGoalMin: with goal min the other learning rate wins.
func TestSelectionGoalMin(t *testing.T) {
	a, err := analysis.Analyze(fixtureRecords(t), analysis.Options{Protocol: &results.Protocol{Split: "validation", Goal: "min"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Cell("squad", "lora", 2).HParams; got != "lr=0.003" {
		t.Errorf("got %q, want lr=0.003", got)
	}
}

func TestTables(t *testing.T) {
	a, err := analysis.Analyze(fixtureRecords(t), analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab := tableAt(t, a, 8)
	// Rows in file order; the best of SQuAD at r=8 is tl6 (69.26 vs 69.02).
	if len(tab.Rows) != 5 || tab.Rows[0].Method != "lora" || tab.Rows[4].Method != evil {
		t.Fatalf("got rows %v, want the file's five methods", tab.Rows)
	}
	tl6 := tab.Rows[2].Entries[0]
	if !tl6.Best || math.Abs(tl6.Delta-(69.2583333-69.0166667)) > 1e-6 {
		t.Errorf("tl6 squad r=8: got best %v, delta %v; want true, +0.2417", tl6.Best, tl6.Delta)
	}
	best := a.Tables[0]
	if c := best.Rows[0].Entries[1].Cell; c.Rank != 32 {
		t.Errorf("lora's best rank on dialogsum: got %d, want 32 (its peak is task dependent)", c.Rank)
	}
	if e := best.Rows[3].Entries[1]; e.Cell == nil || e.Cell.Rank != 2 {
		t.Errorf("tl1 on dialogsum, whose r=32 never ran: got %+v, want r=2", e.Cell)
	}
}

func near(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

// tableAt is the analysis's table at rank.
func tableAt(t *testing.T, a *analysis.Analysis, rank int) analysis.Table {
	t.Helper()
	for _, tab := range a.Tables {
		if tab.Rank == rank {
			return tab
		}
	}
	t.Fatalf("no table at rank %d", rank)
	return analysis.Table{}
}
