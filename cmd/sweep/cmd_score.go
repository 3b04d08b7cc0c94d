package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
)

func newScoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "score --metric M (--input CASES.jsonl | --pred FILE --ref FILE [--ref FILE…])",
		Short: "Score predictions as sacreBLEU, rouge-score, SQuAD and lm-eval do",
		Long: `score computes a metric exactly as its reference tool does: bleu
(sacreBLEU 2.6.0), rouge (rouge-score 0.1.2), squad (official v1.1 script),
gsm8k (lm-evaluation-harness and OpenAI extraction), accuracy
(lm-evaluation-harness acc and acc_norm) and peft (NeMo's PEFT script: EM,
F1 and ROUGE-L).

Cases come either as JSON Lines (--input), one object a line:
  {"prediction": "...", "references": ["...", null, ...]}
  {"logprobs": [...], "gold": k, "choices": [...]}     (accuracy)
where a null reference is absent, so that cases may have different numbers
of references (sacreBLEU's None; BLEU's signature then says nrefs:var); or
as plain text files with one segment a line (--pred and one --ref per
reference), where every line is a reference, an empty one included, as in
sacreBLEU's command. A file name "-" reads standard input. See
docs/metrics.md.`,
		Args: cobra.NoArgs,
		RunE: runScore,
	}
	f := cmd.Flags()
	f.String("metric", "", "metric: "+strings.Join(metrics.Names(), ", "))
	f.String("input", "", "JSON Lines file of cases")
	f.String("pred", "", "predictions, one a line")
	f.StringArray("ref", nil, "references, one a line, paired with --pred by line (repeat for more references)")
	f.Bool("json", false, "print the result as JSON")
	f.Bool("per-segment", false, "also print each case's score")
	f.String("split-prediction", "", "peft: score only the text after the last occurrence of this separator in each prediction (e.g. ####)")
	f.String("tokenize", metrics.Tok13a, "BLEU tokenizer: 13a, intl, char or none")
	f.String("smooth", metrics.SmoothExp, "BLEU smoothing: exp, none, floor or add-k")
	f.Float64("smooth-value", 0, "BLEU floor value or k (default 0.1 for floor, 1 for add-k)")
	f.Bool("lowercase", false, "BLEU: lowercase first")
	f.Int("max-order", 4, "BLEU: highest n-gram order")
	f.Bool("effective-order", false, "BLEU: average only the n-gram orders present (use for sentence BLEU)")
	f.Bool("stemmer", false, "ROUGE: Porter-stem tokens, as use_stemmer=True")
	f.StringSlice("rouge-types", metrics.RougeTypes, "ROUGE types: rouge1…rouge9, rougeL, rougeLsum")
	return cmd
}

func runScore(cmd *cobra.Command, _ []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	metric := v.GetString("metric")
	if metric == "" {
		return badInput(fmt.Errorf("--metric is required (one of %s)", strings.Join(metrics.Names(), ", ")))
	}
	opts := metrics.Options{
		BLEUOptions: metrics.BLEUOptions{
			Tokenize:       v.GetString("tokenize"),
			Smooth:         v.GetString("smooth"),
			Lowercase:      v.GetBool("lowercase"),
			MaxOrder:       v.GetInt("max-order"),
			EffectiveOrder: v.GetBool("effective-order"),
		},
		Stemmer:    v.GetBool("stemmer"),
		RougeTypes: v.GetStringSlice("rouge-types"),
		PerSegment: v.GetBool("per-segment"),

		SplitPrediction: v.GetString("split-prediction"),
	}
	if v.IsSet("smooth-value") {
		x := v.GetFloat64("smooth-value")
		opts.SmoothValue = &x
	}
	cases, err := readScoreCases(cmd, v.GetString("input"), v.GetString("pred"), v.GetStringSlice("ref"))
	if err != nil {
		return badInput(err)
	}
	res, err := metrics.Score(metric, cases, opts)
	if err != nil {
		return badInput(err)
	}
	out := cmd.OutOrStdout()
	if v.GetBool("json") {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	}
	_, err = fmt.Fprintln(out, res.String())
	return err
}

// readScoreCases reads the cases from --input, or from --pred and --ref.
func readScoreCases(cmd *cobra.Command, input, pred string, refs []string) ([]metrics.Case, error) {
	switch {
	case input != "" && (pred != "" || len(refs) > 0):
		return nil, errors.New("give either --input or --pred and --ref, not both")
	case input != "":
		var cases []metrics.Case
		err := withFile(cmd, input, func(r io.Reader) (err error) {
			cases, err = metrics.ReadCases(r, displayName(input))
			return err
		})
		return cases, err
	case pred == "" || len(refs) == 0:
		return nil, errors.New("give --input, or --pred with at least one --ref")
	}
	files := make([]metrics.TextFile, 1+len(refs))
	for i, name := range append([]string{pred}, refs...) {
		err := withFile(cmd, name, func(r io.Reader) (err error) {
			files[i], err = metrics.ReadTextFile(r, displayName(name))
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return metrics.CasesFromFiles(files[0], files[1:]...)
}

// withFile calls read on the named file, or on standard input for "-".
// Every failure here is the input's (missing, a directory, a symlink loop,
// unreadable): runScore makes it exit status 2.
func withFile(cmd *cobra.Command, name string, read func(io.Reader) error) error {
	if name == stdinArg {
		return read(cmd.InOrStdin())
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	// Reading a directory fails with "read NAME: is a directory"; say it
	// plainly instead.
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, want a file", name)
	}
	return read(f)
}

// stdinArg is the file name that reads standard input.
const stdinArg = "-"

// displayName is how errors name a file: "<stdin>" for "-".
func displayName(name string) string {
	if name == stdinArg {
		return "<stdin>"
	}
	return name
}
