package analysis

import "github.com/tiedlora/tiedlora-sweep/results"

// CurveMetric is the curve a report draws: the loss a worker reports in
// metric events and in eval events of the selection split.
const CurveMetric = "loss"

// Representative is the attempt whose curves stand for a method on a
// task: the lowest seed's selected trial at the method's best rank.
type Representative struct {
	Task   string `json:"task"`
	Method string `json:"method"`
	// Index is the method's place in the sweep's method order.
	Index   int   `json:"index"`
	Rank    int   `json:"rank"`
	Seed    int64 `json:"seed"`
	Attempt int64 `json:"attempt"`
}

func (a *Analysis) representatives() []Representative {
	var out []Representative
	for _, t := range a.Tasks {
		for i, m := range a.Methods {
			c := a.pick(t, m, 0)
			if c == nil || len(c.Seeds) == 0 {
				continue
			}
			out = append(out, Representative{Task: t.Task, Method: m, Index: i, Rank: c.Rank, Seed: c.Seeds[0].Seed, Attempt: c.Seeds[0].Attempt})
		}
	}
	return out
}

// CurveRequests are the curves the report draws, for the store to read.
func (a *Analysis) CurveRequests() []results.CurveRequest {
	out := make([]results.CurveRequest, len(a.Representatives))
	for i, r := range a.Representatives {
		out[i] = results.CurveRequest{Attempt: r.Attempt, Split: a.Protocol.Split, Metric: CurveMetric}
	}
	return out
}
