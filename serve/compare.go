package serve

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/plots"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// compareCache is a sweep's last analysis for the compare page and the
// marker it was made at: pages that compare the same sweeps share it
// until the sweep changes.
type compareCache struct {
	mu     sync.Mutex
	marker results.Marker
	ok     bool
	a      *analysis.Analysis
}

// analysis analyses the sweep alone, as `sweep report` does, or returns
// the cached analysis when its marker has not moved. The analysis is
// shared: callers only read it.
func (sw *sweep) analysis(ctx context.Context) (*analysis.Analysis, error) {
	mk, err := sw.store.Marker(ctx)
	if err != nil {
		return nil, err
	}
	c := &sw.cmp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.marker == mk {
		return c.a, nil
	}
	recs, err := sw.srv.opt.Source(sw.store).Records(ctx)
	if err != nil {
		return nil, err
	}
	opt := sw.srv.opt.Analysis
	opt.Ranks = []int{} // the best-rank table; Compare builds a rank's when asked
	a, err := analysis.Analyze(recs, opt)
	if err != nil {
		return nil, err
	}
	if a.Sweep == "" {
		a.Sweep = sw.name
	}
	c.marker, c.ok, c.a = mk, true, a
	return a, nil
}

// pickedSweep is a sweep of the compare page's form.
type pickedSweep struct {
	Name    string
	Checked bool
}

type compareData struct {
	Sweeps   []pickedSweep
	Selected []string
	Rank     string
	Err      string
	Views    []plots.CompareView
}

// comparePage compares the sweeps of ?sweep=a&sweep=b (two or more) at
// each method's best rank, and at ?rank=R when given; with fewer it
// shows only the form that picks them. An unknown sweep, a malformed
// rank or a rank no picked sweep has is 404.
func (s *Server) comparePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := compareData{Rank: q.Get("rank")}
	rank := 0
	if d.Rank != "" {
		n, err := strconv.Atoi(d.Rank)
		if err != nil || n <= 0 {
			http.NotFound(w, r)
			return
		}
		rank = n
	}
	for _, n := range q["sweep"] {
		if !slices.Contains(d.Selected, n) {
			d.Selected = append(d.Selected, n)
		}
	}
	var picked []analysis.Compared
	for _, n := range d.Selected {
		sw, err := s.sweep(n)
		if errors.Is(err, errNoSweep) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(d.Selected) < 2 {
			continue
		}
		a, err := sw.analysis(r.Context())
		if notReady(err) {
			d.Err = n + " has no trials yet; nothing of it can be compared"
			continue
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		picked = append(picked, analysis.Compared{Label: n, Analysis: a})
	}
	names, err := s.names()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, n := range names {
		d.Sweeps = append(d.Sweeps, pickedSweep{Name: n, Checked: slices.Contains(d.Selected, n)})
	}
	ranks := []int{0}
	if rank != 0 {
		ranks = append(ranks, rank)
	}
	for _, rk := range ranks {
		if len(d.Selected) < 2 || d.Err != "" {
			break
		}
		c, err := analysis.Compare(picked, rk)
		switch {
		case errors.Is(err, analysis.ErrNoScores):
			d.Err = err.Error()
		case errors.Is(err, analysis.ErrOption):
			http.NotFound(w, r)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			d.Views = append(d.Views, plots.NewCompareView(c))
		}
	}
	s.render(w, r, "compare", d)
}

// Checked lets the index's rows fill the compare form: none is picked.
func (indexRow) Checked() bool { return false }
