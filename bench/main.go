package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// row is one line of the performance table.
type row struct {
	Name, Command, Figure, Anchor, Ratio, Goal string
}

func main() {
	out := flag.String("out", "docs/performance.md", "where the table goes (- for standard output)")
	skip := flag.String("skip", "", "comma-separated benchmarks to leave out: plan,metrics,tasks,report,slurm,orchestrator,ingest,trainer,torch,demo,earlystop")
	only := flag.String("only", "", "comma-separated benchmarks to run, none other (the same names)")
	detail := flag.String("earlystop-detail", "", "where the early-stopping benchmark writes its per-cell comparison (Markdown; default standard error)")
	esDir := flag.String("earlystop-dir", "", "where the early-stopping benchmark runs its two sweeps and keeps them (default a temporary directory, removed); run again on the same directory, it only reads them back")
	esFiles := flag.String("earlystop-files", esDefaultFiles, "the early-stopping benchmark's two sweep files, GRID,RULED: a full grid, then the same trials with an early_stop rule")
	flag.Parse()
	skipped := map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		skipped[strings.TrimSpace(s)] = true
	}
	chosen := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			chosen[s] = true
		}
	}
	bin, backend, err := build()
	if err != nil {
		fatal(err)
	}
	var rows []row
	for _, b := range benches(bin, backend, esOptions{detail: *detail, dir: *esDir, files: *esFiles}) {
		if skipped[b.key] || (len(chosen) > 0 && !chosen[b.key]) {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench %s: %s\n", b.key, b.command)
		rs, err := b.run()
		if err != nil {
			rs = []row{{Name: b.key, Command: b.command, Figure: "failed: " + err.Error()}}
		}
		rows = append(rows, rs...)
	}
	doc := render(rows)
	if *out == "-" {
		fmt.Print(doc)
		return
	}
	if err := writeSection(*out, doc); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// build compiles the sweep command once, so its benchmarks time it and
// not the compiler: with OpenBLAS (-tags openblas) when libopenblas-dev is
// installed, so the trainer benchmark shows both matrix backends, else
// pure Go.
func build() (bin, backend string, err error) {
	dir, err := os.MkdirTemp("", "sweep-bench-bin-")
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "sweep")
	if err := exec.Command("go", "build", "-tags", "openblas", "-o", bin, "./cmd/sweep").Run(); err == nil {
		fmt.Fprintln(os.Stderr, "bench: built with -tags openblas")
		return bin, "OpenBLAS", nil
	}
	fmt.Fprintln(os.Stderr, "bench: OpenBLAS build failed (is libopenblas-dev installed?); pure Go")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sweep")
	cmd.Stderr = os.Stderr
	return bin, "pure Go", cmd.Run()
}

// demo times the demo sweep as make demo runs it, from an empty cache
// (the base model installed or pretrained into it) and again with
// everything done.
func demo(bin, backend string) ([]row, error) {
	tmp, err := os.MkdirTemp("", "sweep-bench-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	runs, cache := filepath.Join(tmp, "runs"), filepath.Join(tmp, "cache")
	pass := func() (time.Duration, error) {
		start := time.Now()
		if _, err := runCmd(bin, "run", "examples/demo.yaml", "--runs", runs, "--cache", cache); err != nil {
			return 0, err
		}
		if _, err := runCmd(bin, "report", "examples/demo.yaml", "--runs", runs); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
	cold, err := pass()
	if err != nil {
		return nil, err
	}
	warm, err := pass()
	if err != nil {
		return nil, err
	}
	const goal = 300.0
	cmdline := "sweep run examples/demo.yaml && sweep report examples/demo.yaml"
	return []row{
		{Name: "the demo sweep, empty cache: base model, trials, report; " + backend, Command: cmdline,
			Figure: fmt.Sprintf("%.0f s", cold.Seconds()), Anchor: fmt.Sprintf("goal %.0f s", goal),
			Ratio: fmt.Sprintf("%.2f× the goal", cold.Seconds()/goal), Goal: "≤ 1.0×"},
		{Name: "the demo sweep again: cached base, every trial done", Command: cmdline,
			Figure: fmt.Sprintf("%.1f s", warm.Seconds())},
	}, nil
}

type bench struct {
	key, command string
	run          func() ([]row, error)
}

func benches(bin, backend string, es esOptions) []bench {
	gob := func(key, pkg, pattern, what string, goal float64, unit string) bench {
		cmdline := fmt.Sprintf("go test -run '^$' -bench '^%s$' -benchtime 3x -benchmem %s", pattern, pkg)
		return bench{key, cmdline, func() ([]row, error) {
			outp, err := runCmd("go", "test", "-run", "^$", "-bench", "^"+pattern+"$", "-benchtime", "3x", "-benchmem", pkg)
			if err != nil {
				return nil, err
			}
			m := goBench(outp, pattern)
			if m == nil {
				return nil, fmt.Errorf("no result for %s", pattern)
			}
			secs := m["ns/op"] / 1e9
			fig := fmt.Sprintf("%.3f s", secs)
			for _, k := range []string{"live-MB", "peak-MB"} {
				if v, ok := m[k]; ok {
					fig += fmt.Sprintf(", %s %.0f", k, v)
				}
			}
			if v, ok := m["B/op"]; ok {
				fig += fmt.Sprintf(", %.0f MB allocated", v/1e6)
			}
			return []row{{Name: what, Command: cmdline, Figure: fig, Anchor: fmt.Sprintf("goal %g %s", goal, unit),
				Ratio: fmt.Sprintf("%.2f× the goal", secs/goal), Goal: "≤ 1.0×"}}, nil
		}}
	}
	return []bench{
		gob("plan", "./sweeps", "BenchmarkPlan100k", "plan a 100,000-trial sweep", 1, "s"),
		gob("metrics", "./tasks/metrics", "BenchmarkCorpusBLEU100k", "corpus BLEU, 100,000 segments", 1, "s"),
		gob("metrics", "./tasks/metrics", "BenchmarkROUGEL10k", "ROUGE-L, 10,000 pairs of ~40 tokens", 1, "s"),
		gob("tasks", "./tasks", "BenchmarkLoadSQuAD100k", "load 100,000 SQuAD questions", 2, "s"),
		gob("report", "./plots", "BenchmarkReport2000", "sweep report of a 2,000-trial database", 5, "s"),
		gob("slurm", "./runner", "BenchmarkSubmitArray1000", "submit 1,000 trials as Slurm job arrays (fake sbatch)", 10, "s"),
		{"orchestrator", "sweep bench orchestrator --json", func() ([]row, error) {
			var res struct {
				Trials  int `json:"trials"`
				Timings []struct {
					Name, Command  string
					Seconds, Ratio float64
					PerTrial       float64 `json:"ms_per_trial"`
					Skipped        string
				} `json:"timings"`
				Optuna *struct {
					Command, Version, Skipped string
					Points                    []struct {
						Trials         int
						Seconds, Ratio float64
						SweepSeconds   float64 `json:"sweep_seconds"`
						PerTrial       float64 `json:"ms_per_trial"`
					}
					Exponent            float64
					ExtrapolatedTrials  int     `json:"extrapolated_trials"`
					ExtrapolatedSeconds float64 `json:"extrapolated_seconds"`
					ExtrapolatedRatio   float64 `json:"extrapolated_ratio"`
				} `json:"optuna"`
			}
			if err := runJSON(&res, bin, "bench", "orchestrator", "--json"); err != nil {
				return nil, err
			}
			var rows []row
			for _, t := range res.Timings[1:] {
				r := row{Name: "1000 no-op trials, 2 at a time", Command: "sweep bench orchestrator",
					Figure: fmt.Sprintf("sweep %.2f s (%.2f ms a trial)", res.Timings[0].Seconds, res.Timings[0].PerTrial)}
				if t.Skipped != "" {
					r.Anchor, r.Ratio = t.Name+": "+t.Skipped, "-"
				} else {
					r.Anchor = fmt.Sprintf("%s: %.2f s (`%s`)", t.Name, t.Seconds, t.Command)
					r.Ratio = fmt.Sprintf("%.2f×", t.Ratio)
				}
				if t.Name == "GNU parallel" {
					r.Goal = "≤ 1.0×"
				}
				rows = append(rows, r)
			}
			o := res.Optuna
			switch {
			case o == nil:
			case o.Skipped != "":
				rows = append(rows, row{Name: "no-op trials, 2 at a time", Command: "sweep bench orchestrator",
					Anchor: "Optuna: skipped: " + o.Skipped, Ratio: "-"})
			default:
				for _, p := range o.Points {
					rows = append(rows, row{Name: fmt.Sprintf("%d no-op trials, 2 at a time", p.Trials), Command: "sweep bench orchestrator",
						Figure: fmt.Sprintf("sweep %.2f s", p.SweepSeconds),
						Anchor: fmt.Sprintf("Optuna %s: %.2f s (%.1f ms a trial; SQLite, GridSampler, n_jobs=2, objective runs `true`)", o.Version, p.Seconds, p.PerTrial),
						Ratio:  fmt.Sprintf("%.4f×", p.Ratio), Goal: "≤ 1.0×"})
				}
				if o.Exponent != 0 {
					rows = append(rows, row{Name: fmt.Sprintf("%d no-op trials, 2 at a time", o.ExtrapolatedTrials), Command: "sweep bench orchestrator",
						Figure: fmt.Sprintf("sweep %.2f s", res.Timings[0].Seconds),
						Anchor: fmt.Sprintf("Optuna %s: %.0f s, **extrapolated** from its fit t ∝ n^%.2f (not run)", o.Version, o.ExtrapolatedSeconds, o.Exponent),
						Ratio:  fmt.Sprintf("%.4f× (extrapolated)", o.ExtrapolatedRatio), Goal: "≤ 1.0×"})
				}
			}
			return rows, nil
		}},
		{"torch", "sweep bench torch --json", func() ([]row, error) {
			var res struct {
				Config struct {
					Batch, Seq, Rank, Threads int
					Arch                      struct{ Hidden, Layers, Heads int }
				}
				PEFT, Skipped string
				PEFTSkipped   string `json:"peft_skipped"`
				Rows          []struct {
					Name       string
					StepMS     float64 `json:"step_ms"`
					TokensPerS float64 `json:"tokens_per_s"`
				}
				Ratios struct {
					LoRAOverPEFT float64 `json:"lora_over_peft"`
					TL6OverLoRA  float64 `json:"tl6_over_lora"`
				}
			}
			if err := runJSON(&res, bin, "bench", "torch", "--json"); err != nil {
				return nil, err
			}
			const cmdline = "sweep bench torch"
			if res.Skipped != "" {
				return []row{{Name: "torch worker vs HF PEFT", Command: cmdline, Figure: "skipped: " + res.Skipped}}, nil
			}
			c := res.Config
			what := fmt.Sprintf("torch worker training step, random LLaMA d=%d L=%d, batch %d × %d, q,k,v r=%d, CPU",
				c.Arch.Hidden, c.Arch.Layers, c.Batch, c.Seq, c.Rank)
			by := map[string]float64{}
			tps := map[string]float64{}
			for _, r := range res.Rows {
				by[r.Name], tps[r.Name] = r.StepMS, r.TokensPerS
			}
			ours := fmt.Sprintf("our LoRA %.1f ms (%.0f tokens/s)", by["lora (ours)"], tps["lora (ours)"])
			rows := []row{}
			if res.PEFTSkipped != "" {
				rows = append(rows, row{Name: what, Command: cmdline, Figure: ours, Anchor: "HF PEFT: skipped: " + res.PEFTSkipped, Ratio: "-", Goal: "≤ 1.05×"})
			} else {
				rows = append(rows, row{Name: what, Command: cmdline, Figure: ours,
					Anchor: fmt.Sprintf("HF PEFT %s LoRA: %.1f ms", res.PEFT, by["lora (HF PEFT)"]),
					Ratio:  fmt.Sprintf("%.3f×", res.Ratios.LoRAOverPEFT), Goal: "≤ 1.05×"})
			}
			rows = append(rows, row{Name: what, Command: cmdline,
				Figure: fmt.Sprintf("our TL6 %.1f ms (%.0f tokens/s)", by["tl6 (ours)"], tps["tl6 (ours)"]),
				Anchor: fmt.Sprintf("our LoRA: %.1f ms", by["lora (ours)"]), Ratio: fmt.Sprintf("%.3f×", res.Ratios.TL6OverLoRA), Goal: "≤ 1.05×"})
			return rows, nil
		}},
		{"ingest", "sweep bench ingest --json", func() ([]row, error) {
			var res struct {
				Points       int     `json:"points"`
				Seconds      float64 `json:"seconds"`
				PointsPerSec float64 `json:"points_per_second"`
				Goal         float64 `json:"goal_points_per_second"`
			}
			if err := runJSON(&res, bin, "bench", "ingest", "--json"); err != nil {
				return nil, err
			}
			return []row{{Name: "events file → SQLite", Command: "sweep bench ingest",
				Figure: fmt.Sprintf("%.0f points/s (%d points in %.2f s)", res.PointsPerSec, res.Points, res.Seconds),
				Anchor: fmt.Sprintf("goal %.0f points/s", res.Goal), Ratio: fmt.Sprintf("%.2f× the goal", res.PointsPerSec/res.Goal), Goal: "≥ 1.0×"}}, nil
		}},
		{"trainer", "sweep bench trainer --json", func() ([]row, error) {
			outp, err := runCmd(bin, "bench", "trainer")
			if err != nil {
				return nil, err
			}
			return []row{{Name: "Go trainer vs PyTorch, tiny GPT (see the output below)", Command: "sweep bench trainer",
				Figure: "<pre>" + strings.TrimSpace(outp) + "</pre>", Goal: "≥ 1.0× torch with OpenBLAS"}}, nil
		}},
		{"demo", "make demo (timed: sweep run, sweep report)", func() ([]row, error) { return demo(bin, backend) }},
		{"earlystop", "sweep run " + strings.ReplaceAll(es.files, ",", "; sweep run "), func() ([]row, error) { return earlyStop(bin, es) }},
	}
}

func runCmd(name string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, lastLines(errb.String()+out.String(), 5))
	}
	return out.String(), nil
}

func runJSON(v any, name string, args ...string) error {
	out, err := runCmd(name, args...)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(out), v)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// goBench reads the metrics of one benchmark from go test's output:
// "BenchmarkX-2  3  400244284 ns/op  48.97 live-MB …".
func goBench(out, name string) map[string]float64 {
	for _, line := range strings.Split(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || m[1] != name {
			continue
		}
		f := strings.Fields(m[3])
		vals := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			if x, err := strconv.ParseFloat(f[i], 64); err == nil {
				vals[f[i+1]] = x
			}
		}
		return vals
	}
	return nil
}

// The generated table lives between these markers; the rest of the file
// (the GPU figures, the notes) is kept as it is.
const (
	beginMark = "<!-- bench:begin (written by go run ./bench; edits here are overwritten) -->"
	endMark   = "<!-- bench:end -->"
)

// writeSection replaces the generated part of the file, or adds it after
// the title when the file has none yet.
func writeSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	block := beginMark + "\n" + section + endMark + "\n"
	text := string(old)
	i, j := strings.Index(text, beginMark), strings.Index(text, endMark)
	switch {
	case i >= 0 && j > i:
		text = text[:i] + block + text[j+len(endMark)+1:]
	case text == "":
		text = "# Performance\n\n" + block
	default:
		title, rest, _ := strings.Cut(text, "\n")
		text = title + "\n\n" + block + rest
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func render(rows []row) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "## CPU benchmarks\n\nWritten by `go run ./bench` on %s, %d CPU cores (%s), %s, %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpuModel(), runtime.GOOS+"/"+runtime.GOARCH, host)
	b.WriteString("Each benchmark measures its anchor in the same run where there is one (GNU parallel, xargs, Optuna, PyTorch, HF PEFT); ")
	b.WriteString("where the issue set a goal instead, the ratio is to the goal. These machines are shared: compare ratios, not times.\n\n")
	b.WriteString("| benchmark | command | figure | anchor | ratio | goal |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if strings.HasPrefix(r.Figure, "<pre>") {
			continue
		}
		cell := strings.NewReplacer("|", `\|`).Replace // a pipe would end the cell, in code spans too
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", cell(r.Name), cell(r.Command), cell(r.Figure), cell(r.Anchor), cell(r.Ratio), cell(r.Goal))
	}
	for _, r := range rows {
		if strings.HasPrefix(r.Figure, "<pre>") {
			fmt.Fprintf(&b, "\n### %s\n\n`%s`:\n\n```\n%s\n```\n", r.Name, r.Command, strings.TrimSuffix(strings.TrimPrefix(r.Figure, "<pre>"), "</pre>"))
		}
	}
	return b.String()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}
