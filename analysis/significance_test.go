package analysis

import (
	"fmt"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// sigRecords is one task (squad, exact match) at rank 8 with three seeds:
// the baseline answers the even examples of 200; each other method's
// answers are given by correct(method, seed, example). "nodata" has test
// scores but no per-example statistics.
func sigRecords(correct func(method string, seed int64, k int) bool) *results.Records {
	methods := []string{"lora", "win", "loss", "noise", "nodata"}
	recs := &results.Records{Sweep: "s", Protocol: results.Protocol{Split: "validation", Goal: "max"},
		TaskKeys: map[string]string{"squad": "exact_match"}, HParams: []string{`{}`}}
	var attempt int64
	for mi, m := range methods {
		recs.Cells = append(recs.Cells, results.CellCount{Task: "squad", Method: m, Rank: 8, Trials: 3, Seeds: 3,
			Succeeded: 3, TaskPos: 1, MethodPos: int64(mi + 1)})
		for seed := int64(1); seed <= 3; seed++ {
			attempt++
			ex := results.AttemptExamples{Attempt: attempt, Step: 10, Metric: "squad"}
			right := 0.0
			for k := range 200 {
				em := 0.0
				if correct(m, seed, k) {
					em = 1
				}
				right += em
				ex.IDs = append(ex.IDs, fmt.Sprintf("q%03d", k))
				ex.Stats = append(ex.Stats, []float64{1, em, em})
			}
			if m != "nodata" {
				recs.Examples = append(recs.Examples, ex)
			}
			sc := func(split string, v float64) results.AttemptScore {
				return results.AttemptScore{Trial: fmt.Sprintf("%s-%d", m, seed), Task: "squad", Method: m, Rank: 8, Seed: seed,
					HParams: `{}`, Attempt: attempt, Split: split, Metric: "exact_match", Value: v}
			}
			recs.Scores = append(recs.Scores, sc("validation", 100*right/200), sc("test", 100*right/200))
		}
	}
	return recs
}

// TestSignificance: a clear win and a clear loss are beyond noise, the
// same number of right answers on other examples is not, and a cell
// without per-example statistics is not tested.
func TestSignificance(t *testing.T) {
	correct := func(m string, seed int64, k int) bool {
		base := k%2 == 0
		switch m {
		case "win":
			return base || k%5 == 1
		case "loss":
			return k%4 == 0 || k%20 == 2 && seed == 1
		case "noise":
			// Two of every 20 answers moved to other examples; seeds differ.
			if k%20 == 0 || k%20 == int(seed)*2 {
				return !base
			}
			if k%20 == 1 || k%20 == int(seed)*2+1 {
				return true
			}
		}
		return base
	}
	a, err := Analyze(sigRecords(correct), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method     string
		tested     bool
		beyond     bool
		minS, maxS float64
	}{
		{"lora", false, false, 0, 0},
		{"win", true, true, 0.95, 1},
		{"loss", true, true, 0, 0.05},
		{"noise", true, false, 0.1, 0.9},
		{"nodata", false, false, 0, 0},
	}
	for _, tt := range tests {
		c := a.Cell("squad", tt.method, 8)
		if c == nil {
			t.Fatalf("no cell for %s", tt.method)
		}
		if (c.Sig != nil) != tt.tested {
			t.Errorf("%s: got significance %+v, want tested %v", tt.method, c.Sig, tt.tested)
			continue
		}
		if c.Sig == nil {
			continue
		}
		if c.Sig.Beyond != tt.beyond || c.Sig.Share < tt.minS || c.Sig.Share > tt.maxS {
			t.Errorf("%s: got share %v beyond %v, want share in [%v, %v] beyond %v", tt.method, c.Sig.Share, c.Sig.Beyond, tt.minS, tt.maxS, tt.beyond)
		}
		if c.Sig.Seeds != 3 || c.Sig.Examples != 200 || c.Sig.Resamples != SignificanceResamples {
			t.Errorf("%s: got %d seeds, %d examples, %d resamples; want 3, 200, %d", tt.method, c.Sig.Seeds, c.Sig.Examples, c.Sig.Resamples, SignificanceResamples)
		}
		// The tables carry the same test, at the rank and at the best rank.
		for _, tb := range a.Tables {
			for _, r := range tb.Rows {
				if r.Method == tt.method && (r.Entries[0].Sig == nil || *r.Entries[0].Sig != *c.Sig) {
					t.Errorf("%s: table at rank %d has %+v, want %+v", tt.method, tb.Rank, r.Entries[0].Sig, c.Sig)
				}
			}
		}
	}
	if !a.HasSignificance() {
		t.Error("HasSignificance: got false, want true")
	}
	// The same records give the same shares.
	again, err := Analyze(sigRecords(correct), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"win", "loss", "noise"} {
		if x, y := a.Cell("squad", m, 8).Sig.Share, again.Cell("squad", m, 8).Sig.Share; x != y {
			t.Errorf("%s: got shares %v and %v from the same records, want them equal", m, x, y)
		}
	}
}

// TestSignificanceMissing: without any per-example statistics nothing is
// tested; with the baseline's missing, neither; examples or seeds that
// only one side has are left out of the pairing.
func TestSignificanceMissing(t *testing.T) {
	correct := func(m string, seed int64, k int) bool { return k%2 == 0 || m == "win" && k%3 == 0 }
	recs := sigRecords(correct)
	recs.Examples = nil
	a, err := Analyze(recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.HasSignificance() {
		t.Error("no statistics: HasSignificance got true, want false")
	}

	recs = sigRecords(correct)
	var kept []results.AttemptExamples
	for _, x := range recs.Examples {
		if x.Attempt > 3 { // attempts 1–3 are the baseline's
			kept = append(kept, x)
		}
	}
	recs.Examples = kept
	if a, err = Analyze(recs, Options{}); err != nil {
		t.Fatal(err)
	}
	if a.HasSignificance() {
		t.Error("no baseline statistics: HasSignificance got true, want false")
	}

	recs = sigRecords(correct)
	recs.Examples = recs.Examples[1:] // the baseline's seed 1
	recs.Examples[0].IDs, recs.Examples[0].Stats = recs.Examples[0].IDs[:150], recs.Examples[0].Stats[:150]
	if a, err = Analyze(recs, Options{}); err != nil {
		t.Fatal(err)
	}
	if s := a.Cell("squad", "win", 8).Sig; s == nil || s.Seeds != 2 || s.Examples != 150 {
		t.Errorf("partial statistics: got %+v, want 2 seeds and 150 examples", s)
	}
}
