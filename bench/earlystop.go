package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// Early stopping is measured against its anchor, the full grid of the same
// trials, run on this machine one after the other: the steps each trained
// (the cost), the wall time, and what each selects on validation.
// The default pair is grid.yaml and asha.yaml; -earlystop-files names
// another (a full grid, then the same trials with a rule).
const esDefaultFiles = "examples/early-stop/grid.yaml,examples/early-stop/asha.yaml"

// esRun is one sweep's measured run.
type esRun struct {
	name     string
	wall     time.Duration // from the first attempt's start to the last one's end
	steps    int64
	selected map[string]string     // task|method|rank → selected hyper-parameters
	best     map[string]esHeadline // task|method → the best-rank headline entry
	counts   map[string]int        // trials by state
	// picks are the selection per seed: task|method|rank|seed → the
	// selected trial's learning rate.
	picks map[string]string
	// byLoss is, for a run that trained every trial, the learning rate
	// with the lowest validation loss of each task|method|rank|seed at
	// each evaluation step: what an early-stopping rule ranks by.
	byLoss map[int]map[string]string
	// finalLoss is, for a full grid, each trial's validation loss at the
	// last evaluation step: task|method|rank|seed → learning rate → loss.
	finalLoss map[string]map[string]float64
	// selectBy names what the run's selection ranks on validation.
	selectBy string
}

type esHeadline struct {
	rank      string
	mean, std float64
}

// esOptions are the early-stopping benchmark's flags.
type esOptions struct {
	detail string // where the per-cell comparison goes (Markdown; "": standard error)
	dir    string // where the two runs are kept ("": a temporary directory)
	files  string // "GRID,RULED": a full grid, then the same trials with a rule
}

// earlyStop runs a full grid, then the same trials with early stopping,
// into one runs directory and cache, and writes the comparison.
func earlyStop(bin string, o esOptions) ([]row, error) {
	pair := strings.Split(o.files, ",")
	if len(pair) != 2 || pair[0] == "" || pair[1] == "" {
		return nil, fmt.Errorf("-earlystop-files: want GRID,RULED (two sweep files), got %q", o.files)
	}
	tmp := o.dir
	if tmp == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "sweep-bench-earlystop-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
	}
	runs, cache := filepath.Join(tmp, "runs"), filepath.Join(tmp, "cache")
	// go-deep ships with the program: the first run installs it into the
	// cache (a copy), and nothing is pretrained.
	var out [2]*esRun
	for i, file := range pair {
		r, err := esMeasure(bin, file, runs, cache, tmp)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	grid, asha := out[0], out[1]
	same, cells := 0, 0
	for k, g := range grid.selected {
		cells++
		if asha.selected[k] == g {
			same++
		}
	}
	seedSame, seeds := agree(grid.picks, asha.picks)
	md := esDetail(grid, asha) + esDiagnosis(grid, asha)
	if o.detail != "" {
		if err := os.WriteFile(o.detail, []byte(md), 0o644); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprint(os.Stderr, md)
	}
	cmdline := "sweep run " + pair[0] + "; sweep run " + pair[1]
	return []row{
		{Name: fmt.Sprintf("early stopping (%s) against the full grid: optimizer steps trained, %d trials", pair[1], total(grid.counts)), Command: cmdline,
			Figure: fmt.Sprintf("ASHA %d steps", asha.steps), Anchor: fmt.Sprintf("grid %d steps", grid.steps),
			Ratio: fmt.Sprintf("%.3f×", float64(asha.steps)/float64(grid.steps)), Goal: "≤ 0.50×"},
		{Name: "the same, wall time", Command: cmdline,
			Figure: fmt.Sprintf("ASHA %.0f s", asha.wall.Seconds()), Anchor: fmt.Sprintf("grid %.0f s", grid.wall.Seconds()),
			Ratio: fmt.Sprintf("%.3f×", asha.wall.Seconds()/grid.wall.Seconds())},
		{Name: "the same, learning rate selected on validation as the grid's, per (task, method, rank)", Command: cmdline,
			Figure: fmt.Sprintf("%d of %d cells, %d of %d (task, method, rank, seed)", same, cells, seedSame, seeds), Anchor: "the grid's selection",
			Ratio: fmt.Sprintf("%.1f %% (seeds %.1f %%)", 100*float64(same)/float64(cells), 100*float64(seedSame)/float64(seeds)), Goal: "≥ 90 %"},
	}, nil
}

// esMeasure runs one file and reads back what it cost and selected.
func esMeasure(bin, file, runs, cache, tmp string) (*esRun, error) {
	start := time.Now()
	fmt.Fprintf(os.Stderr, "bench earlystop: sweep run %s\n", file)
	if _, err := runCmd(bin, "run", file, "--runs", runs, "--cache", cache); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "bench earlystop: %s took %s\n", file, time.Since(start).Round(time.Second))
	r := &esRun{name: file}
	sw, err := sweeps.Load(file)
	if err != nil {
		return nil, err
	}
	name := sw.File.Name
	db := filepath.Join(runs, name, "sweep.db")
	st, err := results.OpenReader(db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ctx := context.Background()
	if r.steps, err = st.StepsTrained(ctx); err != nil {
		return nil, err
	}
	if r.counts, err = st.StateCounts(ctx); err != nil {
		return nil, err
	}
	if err := esFromDB(ctx, st, r); err != nil {
		return nil, err
	}
	rep := filepath.Join(tmp, "report-"+name)
	if _, err := runCmd(bin, "report", "--db", db, "--out", rep, "--format", "csv"); err != nil {
		return nil, err
	}
	res, err := readCSV(filepath.Join(rep, "results.csv"))
	if err != nil {
		return nil, err
	}
	r.selected = map[string]string{}
	for _, m := range res {
		r.selected[m["task"]+"|"+m["method"]+"|"+m["rank"]] = m["selected_hparams"]
	}
	best, err := readCSV(filepath.Join(rep, "table-best.csv"))
	if err != nil {
		return nil, err
	}
	r.best = map[string]esHeadline{}
	for _, m := range best {
		mean, _ := strconv.ParseFloat(m["test_mean"], 64)
		std, _ := strconv.ParseFloat(m["test_std"], 64)
		r.best[m["task"]+"|"+m["method"]] = esHeadline{rank: m["rank"], mean: mean, std: std}
	}
	return r, nil
}

// total is the number of trials over all states.
func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// esDetail is the per-cell comparison as Markdown: each (task, method,
// rank)'s selection under both runs, and the best-rank headline entries.
func esDetail(grid, asha *esRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Trials by state: grid %v; ASHA %v.\n\n", grid.counts, asha.counts)
	b.WriteString("| task | method | rank | grid selects | ASHA selects | same |\n|---|---|---:|---|---|---|\n")
	keys := make([]string, 0, len(grid.selected))
	for k := range grid.selected {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := strings.Split(k, "|")
		mark := "yes"
		if grid.selected[k] != asha.selected[k] {
			mark = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", p[0], p[1], p[2], grid.selected[k], asha.selected[k], mark)
	}
	b.WriteString("\nBest-rank headline entries (test mean ± std over the 2 seeds):\n\n| task | method | grid | ASHA | Δ | |Δ| ≤ 2 × the larger std |\n|---|---|---|---|---:|---|\n")
	keys = keys[:0]
	for k := range grid.best {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := strings.Split(k, "|")
		g, a := grid.best[k], asha.best[k]
		d := a.mean - g.mean
		within := "yes"
		if math.Abs(d) > 2*math.Max(g.std, a.std) {
			within = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %.4g ± %.3g (r=%s) | %.4g ± %.3g (r=%s) | %+.4g | %s |\n", p[0], p[1], g.mean, g.std, g.rank, a.mean, a.std, a.rank, d, within)
	}
	return b.String()
}

// esFromDB reads what a run selected per seed (the analysis package's
// selection), its wall time from the attempts' times (so that reading a
// kept run again gives the same figure), and for a full grid, the
// validation-loss ranking at each evaluation step.
func esFromDB(ctx context.Context, st *results.Store, r *esRun) error {
	recs, err := st.Records(ctx)
	if err != nil {
		return err
	}
	a, err := analysis.Analyze(recs, analysis.Options{})
	if err != nil {
		return err
	}
	r.selectBy = "the task metric"
	if m := recs.Protocol.Metric; m != "" {
		r.selectBy = m
	}
	r.picks = map[string]string{}
	for _, c := range a.Cells {
		for _, sd := range c.Seeds {
			r.picks[fmt.Sprintf("%s|%s|%d|%d", c.Task, c.Method, c.Rank, sd.Seed)] = lrOf(sd.HParams)
		}
	}
	atts, err := st.Attempts(ctx)
	if err != nil {
		return err
	}
	var first, last time.Time
	for _, at := range atts {
		b, e1 := time.Parse(time.RFC3339Nano, at.Started)
		e, e2 := time.Parse(time.RFC3339Nano, at.Ended)
		if e1 != nil || e2 != nil {
			continue
		}
		if first.IsZero() || b.Before(first) {
			first = b
		}
		if e.After(last) {
			last = e
		}
	}
	r.wall = last.Sub(first)
	tr, err := st.TrialResults(ctx)
	if err != nil {
		return err
	}
	if r.counts["succeeded"] != len(tr.Trials) {
		return nil // not every trial trained to the end: no full ranking
	}
	key, lr := map[string]string{}, map[string]string{}
	for _, t := range tr.Trials {
		key[t.Trial] = fmt.Sprintf("%s|%s|%d|%d", t.Task, t.Method, t.Rank, t.Seed)
		lr[t.Trial] = lrOf(t.HParams)
	}
	vals, err := st.EvalValues(ctx, "validation", "loss")
	if err != nil {
		return err
	}
	type best struct {
		lr   string
		loss float64
	}
	bestAt := map[int]map[string]best{}
	lastStep := 0
	for _, byStep := range vals {
		for step := range byStep {
			lastStep = max(lastStep, step)
		}
	}
	r.finalLoss = map[string]map[string]float64{}
	for trial, byStep := range vals {
		k := key[trial]
		if v, ok := byStep[lastStep]; ok {
			if r.finalLoss[k] == nil {
				r.finalLoss[k] = map[string]float64{}
			}
			r.finalLoss[k][lr[trial]] = v
		}
		for step, v := range byStep {
			if bestAt[step] == nil {
				bestAt[step] = map[string]best{}
			}
			if b, ok := bestAt[step][k]; !ok || v < b.loss {
				bestAt[step][k] = best{lr[trial], v}
			}
		}
	}
	r.byLoss = map[int]map[string]string{}
	for step, m := range bestAt {
		r.byLoss[step] = map[string]string{}
		for k, b := range m {
			r.byLoss[step][k] = b.lr
		}
	}
	return nil
}

// lrOf is the learning rate in a trial's hyper-parameters (JSON).
func lrOf(hparams string) string {
	var hp map[string]any
	if json.Unmarshal([]byte(hparams), &hp) != nil {
		return hparams
	}
	return fmt.Sprint(hp["lr"])
}

// agree counts the keys of want whose value got shares.
func agree(want, got map[string]string) (same, n int) {
	for k, v := range want {
		n++
		if got[k] == v {
			same++
		}
	}
	return same, n
}

// esDiagnosis says where the two selections part: how often the grid's
// own first two seeds agree (the selection's reproducibility, a ceiling
// for any other rule's agreement), how often the lowest validation loss
// at each evaluation step is the lowest at the end, how often the lowest
// final loss is what the grid selects, how often the rule finishes the
// learning rate with the lowest final loss, and what the rule's choice
// costs: the grid's final validation loss of the rule's pick over the
// lowest one of its group.
func esDiagnosis(grid, ruled *esRun) string {
	if grid.byLoss == nil {
		return ""
	}
	steps := make([]int, 0, len(grid.byLoss))
	for s := range grid.byLoss {
		steps = append(steps, s)
	}
	sort.Ints(steps)
	final := grid.byLoss[steps[len(steps)-1]]
	s1, s2 := firstTwoSeeds(grid.picks)
	seedsAgree, cells := 0, 0
	for k, lr := range grid.picks {
		if !strings.HasSuffix(k, "|"+s1) {
			continue
		}
		cells++
		if grid.picks[strings.TrimSuffix(k, "|"+s1)+"|"+s2] == lr {
			seedsAgree++
		}
	}
	var b strings.Builder
	b.WriteString("\nWhere the selections part, per (task, method, rank, seed) unless said:\n\n| comparison | agree |\n|---|---|\n")
	line := func(what string, same, n int) {
		fmt.Fprintf(&b, "| %s | %d of %d (%.0f %%) |\n", what, same, n, 100*float64(same)/float64(max(n, 1)))
	}
	line(fmt.Sprintf("the grid's seed %s and seed %s select the same learning rate (per cell): the selection's own reproducibility", s1, s2), seedsAgree, cells)
	for _, s := range steps[:len(steps)-1] {
		same, n := agree(final, grid.byLoss[s])
		line(fmt.Sprintf("lowest validation loss at step %d is the lowest at step %d", s, steps[len(steps)-1]), same, n)
	}
	same, n := agree(final, grid.picks)
	line(fmt.Sprintf("the grid's selection (%s on validation) is the learning rate of lowest final validation loss", grid.selectBy), same, n)
	same, n = agree(final, ruled.picks)
	line("the early-stopped run's selection is the learning rate of lowest final validation loss", same, n)
	same, n = agree(grid.picks, ruled.picks)
	line("the early-stopped run's selection is the grid's", same, n)
	b.WriteString(esRegret(grid, ruled))
	return b.String()
}

// firstTwoSeeds are the two smallest seeds among picks' keys
// (task|method|rank|seed).
func firstTwoSeeds(picks map[string]string) (string, string) {
	var seeds []int
	seen := map[int]bool{}
	for k := range picks {
		sd, err := strconv.Atoi(k[strings.LastIndex(k, "|")+1:])
		if err == nil && !seen[sd] {
			seen[sd] = true
			seeds = append(seeds, sd)
		}
	}
	sort.Ints(seeds)
	if len(seeds) < 2 {
		return "", ""
	}
	return strconv.Itoa(seeds[0]), strconv.Itoa(seeds[1])
}

// esRegret is what the early-stopped run's choice costs where it differs
// from the lowest final validation loss: per (task, method, rank, seed),
// the grid's final validation loss of the learning rate the rule selected
// over the lowest of the four, and beside it, as a scale, the same excess
// for the learning rate the grid itself selected.
func esRegret(grid, ruled *esRun) string {
	excess := func(picks map[string]string) (mean, worst float64, within1, n int) {
		for k, byLR := range grid.finalLoss {
			lr, ok := picks[k]
			v, has := byLR[lr]
			if !ok || !has {
				continue
			}
			lo := math.Inf(1)
			for _, l := range byLR {
				lo = math.Min(lo, l)
			}
			e := v/lo - 1
			mean += e
			worst = math.Max(worst, e)
			if e <= 0.01 {
				within1++
			}
			n++
		}
		return mean / float64(max(n, 1)), worst, within1, n
	}
	var b strings.Builder
	b.WriteString("\nWhat the choice costs: the grid's final validation loss of the selected learning rate over the lowest of its (task, method, rank, seed):\n\n| selection | mean excess | largest | within 1 % |\n|---|---:|---:|---|\n")
	for _, c := range []struct {
		name  string
		picks map[string]string
	}{{"the early-stopped run's", ruled.picks}, {"the grid's own", grid.picks}} {
		m, w, in, n := excess(c.picks)
		fmt.Fprintf(&b, "| %s | %.2f %% | %.2f %% | %d of %d |\n", c.name, 100*m, 100*w, in, n)
	}
	return b.String()
}
