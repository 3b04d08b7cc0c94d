package results

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLease: a live holder keeps the lease from a second claim; a dead one
// (same host) or a silent one (another host) loses it; a holder whose
// lease was taken over learns it on its next renewal.
func TestLease(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alive := map[int]bool{1: true, 2: true}
	claim := func(host string, pid int) LeaseClaim {
		return LeaseClaim{Host: host, PID: pid, PIDStart: 7, Stale: time.Hour, Alive: func(p int, _ int64) bool { return alive[p] }}
	}
	first, err := s.AcquireLease(ctx, claim("h", 1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AcquireLease(ctx, claim("h", 2))
	var held *LeaseHeldError
	if !errors.As(err, &held) || held.Holder.PID != 1 || held.Holder.Host != "h" {
		t.Fatalf("second claim: got %v, want a LeaseHeldError naming pid 1 on h", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid 1 on h since") {
		t.Errorf("got message %q, want it to name the holder", msg)
	}
	// Another host cannot judge pids: the heartbeat decides.
	if _, err := s.AcquireLease(ctx, claim("other", 3)); !errors.As(err, &held) {
		t.Errorf("claim from another host with a fresh heartbeat: got %v, want held", err)
	}
	if err := first.Renew(ctx); err != nil {
		t.Errorf("renew: %v", err)
	}
	alive[1] = false
	second, err := s.AcquireLease(ctx, claim("h", 2))
	if err != nil {
		t.Fatalf("claim after the holder died: %v", err)
	}
	if err := first.Renew(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("renew of a lease taken over: got %v, want ErrLeaseLost", err)
	}
	stale := claim("other", 3)
	stale.Stale = -time.Second // every heartbeat is older than that
	if _, err := s.AcquireLease(ctx, stale); err != nil {
		t.Errorf("claim from another host over a stale heartbeat: %v", err)
	}
	if err := second.Release(ctx); err != nil {
		t.Error(err)
	}
}

// TestConcurrentOpen: orchestrators opening a new database together each
// see it migrated once (a second migration 1 would fail on its tables).
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sweep.db")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
}

// TestNonFiniteRoundTrip: NaN and ±Inf come back as they went in, next to
// finite values of the same batch, and no reader of value sees them as
// numbers.
func TestNonFiniteRoundTrip(t *testing.T) {
	s := openTest(t)
	a := newAttempt(t, s)
	ctx := context.Background()
	in := []float64{1.5, math.NaN(), math.Inf(1), math.Inf(-1), 0}
	var ms []Metric
	var scs []Score
	for i, v := range in {
		ms = append(ms, Metric{Step: i, Name: "loss", Value: v})
		scs = append(scs, Score{Step: i, Split: "validation", Metric: "acc", Value: v, Source: "worker"})
	}
	if err := s.Ingest(ctx, a.ID, Batch{Metrics: ms, Scores: scs, Offset: 1}); err != nil {
		t.Fatal(err)
	}
	gotM, err := s.MetricValues(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotS, err := s.ScoreValues(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotM) != len(in) || len(gotS) != len(in) {
		t.Fatalf("got %d metrics and %d scores, want %d each", len(gotM), len(gotS), len(in))
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for i, v := range in {
		if !same(gotM[i].Value, v) || !same(gotS[i].Value, v) {
			t.Errorf("step %d: got metric %v, score %v; want %v", i, gotM[i].Value, gotS[i].Value, v)
		}
	}
	var numbers int
	s.r.QueryRow(`SELECT count(*) FROM metrics WHERE value IS NOT NULL`).Scan(&numbers)
	if numbers != 2 {
		t.Errorf("got %d metric rows with a value, want the 2 finite ones", numbers)
	}
}

// TestCheckFile: a database deleted or replaced under an open store is
// noticed.
func TestCheckFile(t *testing.T) {
	s := openTest(t)
	if err := s.CheckFile(); err != nil {
		t.Fatalf("fresh store: %v", err)
	}
	if err := os.Rename(s.Path(), s.Path()+".old"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckFile(); !errors.Is(err, ErrReplaced) {
		t.Errorf("deleted: got %v, want ErrReplaced", err)
	}
	if err := os.WriteFile(s.Path(), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckFile(); !errors.Is(err, ErrReplaced) {
		t.Errorf("replaced: got %v, want ErrReplaced", err)
	}
}
