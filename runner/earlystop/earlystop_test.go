package earlystop

import (
	"math"
	"slices"
	"testing"
)

func TestRungs(t *testing.T) {
	for _, tt := range []struct {
		rule  Rule
		steps int
		want  []int
	}{
		{Rule{Kind: ASHA, MinSteps: 60, Reduction: 3}, 300, []int{60, 180}},
		{Rule{Kind: ASHA, MinSteps: 100, Reduction: 3}, 300, []int{100}},
		{Rule{Kind: ASHA, MinSteps: 10, Reduction: 2}, 80, []int{10, 20, 40}},
		{Rule{Kind: ASHA, MinSteps: 300, Reduction: 3}, 300, nil},
		{Rule{Kind: Median, MinSteps: 10, Reduction: 3}, 300, nil},
	} {
		if got := tt.rule.Rungs(tt.steps); !slices.Equal(got, tt.want) {
			t.Errorf("%+v.Rungs(%d): got %v, want %v", tt.rule, tt.steps, got, tt.want)
		}
	}
}

// curve is a fake worker's known validation losses by step.
type curve map[int]float64

func ashaGroup(curves map[string]curve) *Group {
	g := NewGroup("g", Rule{Kind: ASHA, Goal: "min", MinSteps: 10, Reduction: 3})
	for _, id := range []string{"a", "b", "c", "d"} {
		if _, ok := curves[id]; ok {
			g.Add(Trial{ID: id, Steps: 90, State: Running})
		}
	}
	return g
}

// TestASHAPromotesTheRightTrials plays a group of four fake trials with
// known curves through its rungs (10 and 30 of 90 steps, η = 3) in a fixed
// order of arrival, checking every decision.
func TestASHAPromotesTheRightTrials(t *testing.T) {
	curves := map[string]curve{
		"a": {10: 4, 30: 3.5},
		"b": {10: 3, 30: 2.5},
		"c": {10: 2, 30: 1.8},
		"d": {10: 1, 30: 1.5},
	}
	g := ashaGroup(curves)
	type step struct {
		trial    string
		at       int
		stop     bool
		promoted []string // after the decision is applied
	}
	for i, s := range []step{
		// Rung 10: ⌊1/3⌋ = ⌊2/3⌋ = 0 go on, so a and b pause; c is the
		// best of three, d the best of four.
		{"a", 10, true, nil},
		{"b", 10, true, nil},
		{"c", 10, false, nil},
		{"d", 10, false, nil},
		// Rung 30: c alone pauses; d, better, pauses too; the group is
		// then idle with nothing finished, so its best at the highest
		// rung, d, goes on to the end.
		{"c", 30, true, nil},
		{"d", 30, true, []string{"d"}},
	} {
		d := g.Report(s.trial, s.at, curves[s.trial][s.at])
		if d.Stop != s.stop {
			t.Fatalf("decision %d (%s at step %d): got stop %v (%s), want %v", i, s.trial, s.at, d.Stop, d.Reason, s.stop)
		}
		if d.Stop {
			g.Pause(s.trial, s.at)
		}
		if got := g.Promotions(); !slices.Equal(got, s.promoted) {
			t.Fatalf("after decision %d: promotions %v, want %v", i, got, s.promoted)
		}
	}
	g.SetState("d", Running)
	g.SetState("d", Finished)
	if got := g.Promotions(); got != nil || !g.Done() {
		t.Errorf("after d finished: promotions %v, done %v; want none, done", got, g.Done())
	}
}

// TestASHAPromotesAPausedTrial: the best trial arrives first and pauses
// (alone at its rung); once three have reported it is one of the best
// ⌊3/3⌋ and is promoted, while the third, worse, pauses.
func TestASHAPromotesAPausedTrial(t *testing.T) {
	g := ashaGroup(map[string]curve{"a": nil, "b": nil, "c": nil})
	for _, r := range []struct {
		id   string
		v    float64
		stop bool
	}{{"a", 1, true}, {"b", 2, true}, {"c", 3, true}} {
		if d := g.Report(r.id, 10, r.v); d.Stop != r.stop {
			t.Fatalf("%s: got stop %v, want %v", r.id, d.Stop, r.stop)
		}
		g.Pause(r.id, 12) // it trained a little past the rung before stopping
	}
	if got := g.Promotions(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("promotions: got %v, want [a]", got)
	}
	// Promoted and resumed, a reports rung 10 again from its new attempt
	// (it does not: it resumed past it) and then rung 30.
	g.SetState("a", Running)
	if got := g.Promotions(); got != nil {
		t.Errorf("promotions while a runs: got %v, want none", got)
	}
	if d := g.Report("a", 10, 99); d.Stop {
		t.Errorf("a value reported twice at a step decided again: %+v", d)
	}
	if v := g.Trial("a").Values[10]; v != 1 {
		t.Errorf("a's value at 10: got %v, want the first, 1", v)
	}
}

// TestASHAMaximize: with goal max the larger value is the better one.
func TestASHAMaximize(t *testing.T) {
	g := NewGroup("g", Rule{Kind: ASHA, Goal: "max", MinSteps: 10, Reduction: 2})
	for _, id := range []string{"a", "b"} {
		g.Add(Trial{ID: id, Steps: 40, State: Running})
	}
	g.Report("a", 10, 0.3)
	g.Pause("a", 10)
	if d := g.Report("b", 10, 0.7); d.Stop {
		t.Errorf("b (0.7 > 0.3 under max) stopped: %s", d.Reason)
	}
	// NaN is worst under either goal.
	g2 := NewGroup("g", Rule{Kind: ASHA, Goal: "max", MinSteps: 10, Reduction: 2})
	g2.Add(Trial{ID: "a", Steps: 40, State: Running})
	g2.Add(Trial{ID: "b", Steps: 40, State: Running})
	g2.Report("a", 10, 0.1)
	g2.Pause("a", 10)
	if d := g2.Report("b", 10, math.NaN()); !d.Stop {
		t.Errorf("a NaN value went on over 0.1")
	}
}

// TestRebuiltGroupDecidesTheSame: a group rebuilt from stored values and
// states (an orchestrator restarted mid-rung) promotes what the group
// before the restart would have promoted, once.
func TestRebuiltGroupDecidesTheSame(t *testing.T) {
	live := ashaGroup(map[string]curve{"a": nil, "b": nil, "c": nil, "d": nil})
	for _, r := range []struct {
		id string
		v  float64
	}{{"a", 1}, {"b", 2}} {
		live.Report(r.id, 10, r.v)
		live.Pause(r.id, 11)
	}
	// The orchestrator dies here, with c running and d waiting.
	rebuilt := NewGroup("g", Rule{Kind: ASHA, Goal: "min", MinSteps: 10, Reduction: 3})
	rebuilt.Add(Trial{ID: "a", Steps: 90, State: Paused, Values: map[int]float64{10: 1}, Reached: 11})
	rebuilt.Add(Trial{ID: "b", Steps: 90, State: Paused, Values: map[int]float64{10: 2}, Reached: 11})
	rebuilt.Add(Trial{ID: "c", Steps: 90, State: Waiting})
	rebuilt.Add(Trial{ID: "d", Steps: 90, State: Waiting})
	for _, g := range []*Group{live, rebuilt} {
		if got := g.Promotions(); got != nil {
			t.Fatalf("promotions with two of four at rung 10: got %v, want none", got)
		}
		g.SetState("c", Running)
		if d := g.Report("c", 10, 3); !d.Stop {
			t.Fatalf("c, worst of three, went on")
		}
		g.Pause("c", 10)
		if got := g.Promotions(); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("promotions: got %v, want [a]", got)
		}
		g.SetState("a", Waiting)
		if got := g.Promotions(); got != nil {
			t.Fatalf("promotions after a was queued: got %v, want none (no double promotion)", got)
		}
	}
}

// TestMedian: a trial worse than the median of the others at a step stops,
// not before MinSteps nor with fewer than MinTrials others.
func TestMedian(t *testing.T) {
	g := NewGroup("g", Rule{Kind: Median, Goal: "min", MinSteps: 20, MinTrials: 2})
	for _, id := range []string{"a", "b", "c", "d"} {
		g.Add(Trial{ID: id, Steps: 100, State: Running})
	}
	for _, r := range []struct {
		id   string
		step int
		v    float64
		stop bool
	}{
		{"a", 10, 1, false},
		{"b", 10, 2, false},
		{"c", 10, 9, false}, // before MinSteps
		{"a", 20, 1, false},
		{"b", 20, 5, false}, // one other: fewer than MinTrials
		{"c", 20, 4, false}, // median of 1 and 5 is 3: 4 is worse, but…
	} {
		d := g.Report(r.id, r.step, r.v)
		if r.id == "c" && r.step == 20 {
			if !d.Stop {
				t.Errorf("c at 20 (4 against the median 3 of 1 and 5): went on")
			}
			continue
		}
		if d.Stop != r.stop {
			t.Errorf("%s at %d: got stop %v (%s), want %v", r.id, r.step, d.Stop, d.Reason, r.stop)
		}
	}
	if d := g.Report("d", 20, 2); d.Stop {
		t.Errorf("d at 20 (2 against the median 4 of 1, 4, 5): stopped: %s", d.Reason)
	}
	g.Pause("c", 20)
	if got := g.Promotions(); got != nil {
		t.Errorf("median promotions: got %v, want none", got)
	}
}
