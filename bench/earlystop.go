package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// Early stopping is measured against its anchor, the full grid of the same
// trials, run on this machine one after the other: the steps each trained
// (the cost), the wall time, and what each selects on validation.
const (
	esGrid = "examples/early-stop/grid.yaml"
	esASHA = "examples/early-stop/asha.yaml"
)

// esRun is one sweep's measured run.
type esRun struct {
	name     string
	wall     time.Duration
	steps    int64
	selected map[string]string     // task|method|rank → selected hyper-parameters
	best     map[string]esHeadline // task|method → the best-rank headline entry
	counts   map[string]int        // trials by state
}

type esHeadline struct {
	rank      string
	mean, std float64
}

// earlyStop runs grid.yaml, then asha.yaml, into one fresh runs directory
// and cache, and writes the comparison (per-cell detail to detail, a
// Markdown file, when it is not "").
func earlyStop(bin, detail string) ([]row, error) {
	tmp, err := os.MkdirTemp("", "sweep-bench-earlystop-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	runs, cache := filepath.Join(tmp, "runs"), filepath.Join(tmp, "cache")
	// go-deep ships with the program: the first run installs it into the
	// cache (a copy), and nothing is pretrained.
	var out [2]*esRun
	for i, file := range []string{esGrid, esASHA} {
		r, err := esMeasure(bin, file, runs, cache, tmp)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	grid, asha := out[0], out[1]
	same, cells, seedSame, seeds := 0, 0, 0, 0
	for k, g := range grid.selected {
		cells++
		a := asha.selected[k]
		if a == g {
			same++
		}
		s, n := seedAgreement(g, a)
		seedSame += s
		seeds += n
	}
	md := esDetail(grid, asha)
	if detail != "" {
		if err := os.WriteFile(detail, []byte(md), 0o644); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprint(os.Stderr, md)
	}
	cmdline := "sweep run " + esGrid + "; sweep run " + esASHA
	return []row{
		{Name: "early stopping (ASHA, η=3, rungs 60/180 of 300) against the full grid: optimizer steps trained, 288 trials", Command: cmdline,
			Figure: fmt.Sprintf("ASHA %d steps", asha.steps), Anchor: fmt.Sprintf("grid %d steps", grid.steps),
			Ratio: fmt.Sprintf("%.3f×", float64(asha.steps)/float64(grid.steps)), Goal: "≤ 0.50×"},
		{Name: "the same, wall time", Command: cmdline,
			Figure: fmt.Sprintf("ASHA %.0f s", asha.wall.Seconds()), Anchor: fmt.Sprintf("grid %.0f s", grid.wall.Seconds()),
			Ratio: fmt.Sprintf("%.3f×", asha.wall.Seconds()/grid.wall.Seconds())},
		{Name: "the same, learning rate selected on validation as the grid's, per (task, method, rank)", Command: cmdline,
			Figure: fmt.Sprintf("%d of %d cells (%d of %d seeds)", same, cells, seedSame, seeds), Anchor: "the grid's selection",
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
	r := &esRun{name: file, wall: time.Since(start)}
	name := strings.TrimSuffix(filepath.Base(file), ".yaml")
	db := filepath.Join(runs, "es-"+name, "sweep.db")
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

// seedAgreement counts the seeds whose selection two cells share, from
// the report's selected_hparams ("lr=0.01 ×2" or "lr=0.01; lr=0.03").
func seedAgreement(a, b string) (same, seeds int) {
	ca, cb := seedCounts(a), seedCounts(b)
	for k, n := range ca {
		seeds += n
		same += min(n, cb[k])
	}
	return same, seeds
}

func seedCounts(s string) map[string]int {
	out := map[string]int{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n := 1
		if i := strings.LastIndex(part, " ×"); i >= 0 {
			if k, err := strconv.Atoi(part[i+len(" ×"):]); err == nil {
				n, part = k, part[:i]
			}
		}
		out[part] += n
	}
	return out
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
