package trialframe

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// HParamPrefix starts the name of each hyper-parameter's column: the
// prefix keeps a hyper-parameter apart from the frame's own columns
// (`hp.steps` is the planned steps, `steps` those trained).
const HParamPrefix = "hp."

// Primary columns: the task's primary value key on the validation and
// test splits; `metric` names it.
const (
	ValidationSplit = "validation"
	TestSplit       = results.TestSplit
)

// New builds the frame: trial, task, method, rank, seed, hp.<name> for
// each hyper-parameter, trainable, state, attempts, metric, validation,
// test, <split>.<metric> for every score any trial has, steps and wall_s.
// A missing or NaN value is gota's NA.
func New(tr *results.TrialResults) dataframe.DataFrame {
	n := len(tr.Trials)
	str := func(f func(results.TrialResult) string) []string {
		out := make([]string, n)
		for i, t := range tr.Trials {
			out[i] = f(t)
		}
		return out
	}
	ints := func(f func(results.TrialResult) (int64, bool)) []any {
		out := make([]any, n)
		for i, t := range tr.Trials {
			if v, ok := f(t); ok {
				out[i] = int(v)
			}
		}
		return out
	}
	primary := PrimaryMetrics(tr)
	cols := []series.Series{
		series.New(str(func(t results.TrialResult) string { return t.Trial }), series.String, "trial"),
		series.New(str(func(t results.TrialResult) string { return t.Task }), series.String, "task"),
		series.New(str(func(t results.TrialResult) string { return t.Method }), series.String, "method"),
		series.New(ints(func(t results.TrialResult) (int64, bool) { return int64(t.Rank), true }), series.Int, "rank"),
		series.New(ints(func(t results.TrialResult) (int64, bool) { return t.Seed, true }), series.Int, "seed"),
	}
	cols = append(cols, hparamColumns(tr.Trials)...)
	cols = append(cols,
		series.New(ints(func(t results.TrialResult) (int64, bool) { return deref(t.Trainable) }), series.Int, "trainable"),
		series.New(str(func(t results.TrialResult) string { return t.State }), series.String, "state"),
		series.New(ints(func(t results.TrialResult) (int64, bool) { return int64(t.Attempts), true }), series.Int, "attempts"),
	)
	metric := make([]any, n)
	for i, t := range tr.Trials {
		if m := primary[t.Task]; m != "" {
			metric[i] = m
		}
	}
	cols = append(cols, series.New(metric, series.String, "metric"))
	score := func(split string, metric func(results.TrialResult) string) []float64 {
		out := make([]float64, n)
		for i, t := range tr.Trials {
			out[i] = math.NaN()
			m := metric(t)
			for _, s := range t.Scores {
				if s.Split == split && s.Metric == m {
					out[i] = s.Value
				}
			}
		}
		return out
	}
	for _, split := range []string{ValidationSplit, TestSplit} {
		cols = append(cols, series.New(score(split, func(t results.TrialResult) string { return primary[t.Task] }), series.Float, split))
	}
	for _, k := range scoreKeys(tr.Trials) {
		cols = append(cols, series.New(score(k.split, func(results.TrialResult) string { return k.metric }), series.Float, k.split+"."+k.metric))
	}
	wall := make([]float64, n)
	for i, t := range tr.Trials {
		wall[i] = math.NaN()
		if t.WallSeconds != nil {
			wall[i] = *t.WallSeconds
		}
	}
	cols = append(cols,
		series.New(ints(func(t results.TrialResult) (int64, bool) { return deref(t.Steps) }), series.Int, "steps"),
		series.New(wall, series.Float, "wall_s"),
	)
	return dataframe.New(cols...)
}

func deref(p *int64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// PrimaryMetrics is each task's primary metric, as the report chooses
// it: the stored value key, else the first metric name of the task's test
// scores, loss last.
func PrimaryMetrics(tr *results.TrialResults) map[string]string {
	// better: any name over loss, then the smaller name.
	better := func(m, than string) bool {
		if (m == "loss") != (than == "loss") {
			return than == "loss"
		}
		return m < than
	}
	out := map[string]string{}
	for task, names := range tr.TestMetrics {
		for _, m := range names {
			if out[task] == "" || better(m, out[task]) {
				out[task] = m
			}
		}
	}
	for task, key := range tr.TaskKeys {
		out[task] = key
	}
	return out
}

type scoreKey struct{ split, metric string }

// scoreKeys are the (split, metric) pairs of every score: validation
// first, then test, then other splits by name; metrics by name.
func scoreKeys(trials []results.TrialResult) []scoreKey {
	seen := map[scoreKey]bool{}
	var out []scoreKey
	for _, t := range trials {
		for _, s := range t.Scores {
			k := scoreKey{s.Split, s.Metric}
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	rank := func(split string) int {
		switch split {
		case ValidationSplit:
			return 0
		case TestSplit:
			return 1
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := rank(a.split), rank(b.split); ra != rb {
			return ra < rb
		}
		if a.split != b.split {
			return a.split < b.split
		}
		return a.metric < b.metric
	})
	return out
}

// hparamColumns gives each hyper-parameter a column: integers where every
// value is an integer, floats where every value is a number, else text
// (JSON for what is not a string).
func hparamColumns(trials []results.TrialResult) []series.Series {
	vals := make([]map[string]any, len(trials))
	names := map[string]bool{}
	for i, t := range trials {
		d := json.NewDecoder(strings.NewReader(t.HParams))
		d.UseNumber()
		if d.Decode(&vals[i]) != nil {
			continue // not an object: no hyper-parameters to show
		}
		for k := range vals[i] {
			names[k] = true
		}
	}
	var out []series.Series
	for _, name := range slices.Sorted(maps.Keys(names)) {
		typ := series.Int
		for _, v := range vals {
			x, ok := v[name]
			if !ok || x == nil {
				continue
			}
			num, isNum := x.(json.Number)
			switch {
			case !isNum:
				typ = series.String
			case typ == series.Int:
				if _, err := strconv.ParseInt(string(num), 10, 64); err != nil {
					typ = series.Float
				}
			}
		}
		col := make([]any, len(vals))
		for i, v := range vals {
			x, ok := v[name]
			if !ok || x == nil {
				continue
			}
			col[i] = hparamValue(x, typ)
		}
		out = append(out, series.New(col, typ, HParamPrefix+name))
	}
	return out
}

func hparamValue(x any, typ series.Type) any {
	switch typ {
	case series.Int:
		n, _ := strconv.ParseInt(string(x.(json.Number)), 10, 64)
		return int(n)
	case series.Float:
		f, _ := x.(json.Number).Float64()
		return f
	}
	if s, ok := x.(string); ok {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(x)
	return strings.TrimSpace(b.String())
}

// DefaultColumns are the columns a terminal shows: the axes, the
// hyper-parameters that vary, trainable, state, attempts, the primary
// metric and its scores, steps and wall time. The per-metric columns and
// the constant hyper-parameters are left to --columns.
func DefaultColumns(df dataframe.DataFrame) []string {
	var out []string
	for _, name := range df.Names() {
		switch {
		case strings.HasPrefix(name, HParamPrefix):
			if varies(df.Col(name)) {
				out = append(out, name)
			}
		case strings.Contains(name, "."):
		default:
			out = append(out, name)
		}
	}
	return out
}

// varies says whether a column holds two different values (NA counts as
// one); floats compare as numbers, not as gota's rounded text.
func varies(s series.Series) bool {
	seen := map[string]bool{}
	for i := range s.Len() {
		e := s.Elem(i)
		k := "NA"
		if !e.IsNA() {
			k = exact(e)
		}
		seen[k] = true
	}
	return len(seen) > 1
}
