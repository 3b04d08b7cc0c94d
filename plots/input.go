package plots

import (
	"context"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trialframe"
)

// Source is what a report reads from a sweep's store, all before it
// renders anything (results.Store has these).
type Source interface {
	Records(ctx context.Context) (*results.Records, error)
	Curves(ctx context.Context, reqs []results.CurveRequest) (map[int64]results.Curves, error)
	TrialResults(ctx context.Context) (*results.TrialResults, error)
}

// Load reads a sweep's records, analyses them, reads the curves the
// report draws and the per-trial frame of trials.csv: everything Write
// needs.
func Load(ctx context.Context, src Source, opt analysis.Options) (Input, error) {
	recs, err := src.Records(ctx)
	if err != nil {
		return Input{}, err
	}
	a, err := analysis.Analyze(recs, opt)
	if err != nil {
		return Input{}, err
	}
	curves, err := src.Curves(ctx, a.CurveRequests())
	if err != nil {
		return Input{}, err
	}
	tr, err := src.TrialResults(ctx)
	if err != nil {
		return Input{}, err
	}
	return Input{Analysis: a, Curves: curves, Trials: trialframe.New(tr)}, nil
}
