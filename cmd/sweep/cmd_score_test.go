package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runCLI runs the CLI in-process with stdin and returns stdout, stderr
// (with the error main would print) and the exit status main would use.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	code := 0
	if err := root.Execute(); err != nil {
		code = exitCode(err)
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

// writeFiles writes name → content files into a temporary directory and
// returns the directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The sacreBLEU README example, scored by sacreBLEU 2.6.0.
const (
	readmeHyps = "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n"
	readmeRef1 = "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n"
	readmeRef2 = "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n"
	readmeLine = "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n"
	readmeJSON = `{"prediction": "The dog bit the man.", "references": ["The dog bit the man.", "The dog had bit the man."]}
{"prediction": "It wasn't surprising.", "references": ["It was not unexpected.", "No one was surprised."]}
{"prediction": "The man had just bitten him.", "references": ["The man bit him first.", "The man had bitten the dog."]}
`
)

func TestScoreBLEUPlainFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hyp.txt": readmeHyps, "ref1.txt": readmeRef1, "ref2.txt": readmeRef2})
	out, errOut, code := runCLI(t, "", "score", "--metric", "bleu",
		"--pred", filepath.Join(dir, "hyp.txt"), "--ref", filepath.Join(dir, "ref1.txt"), "--ref", filepath.Join(dir, "ref2.txt"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != readmeLine {
		t.Errorf("got %q, want %q", out, readmeLine)
	}
}

func TestScoreBLEUJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"cases.jsonl": readmeJSON})
	out, errOut, code := runCLI(t, "", "score", "--metric", "bleu", "--input", filepath.Join(dir, "cases.jsonl"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Metric     string    `json:"metric"`
		N          int       `json:"n"`
		Score      float64   `json:"score"`
		Counts     []int     `json:"counts"`
		Totals     []int     `json:"totals"`
		Precisions []float64 `json:"precisions"`
		BP         float64   `json:"bp"`
		SysLen     int       `json:"sys_len"`
		RefLen     int       `json:"ref_len"`
		Signature  string    `json:"signature"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if got.Metric != "bleu" || got.N != 3 || got.Score != 48.530827009929865 || got.SysLen != 17 || got.RefLen != 18 ||
		got.Counts[3] != 3 || got.Totals[0] != 17 || got.BP != 0.9428731438548749 ||
		got.Signature != "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0" {
		t.Errorf("got %+v", got)
	}
}

// A null reference is absent, as a None in a sacreBLEU reference stream:
// the first segment has only its second reference, and the signature says
// nrefs:var. The want is sacreBLEU 2.6.0's corpus_score with streams
// [None, r1b, r1c] and [r2a, r2b, r2c].
func TestScoreBLEUNullReference(t *testing.T) {
	cases := strings.Replace(readmeJSON, `["The dog bit the man.", `, `[null, `, 1)
	out, errOut, code := runCLI(t, cases, "score", "--metric", "bleu", "--input", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "BLEU|nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestScoreOptions checks that flags and SWEEP_* variables reach the metric.
func TestScoreOptions(t *testing.T) {
	dir := writeFiles(t, map[string]string{"cases.jsonl": readmeJSON})
	in := filepath.Join(dir, "cases.jsonl")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"floor", nil, []string{"--smooth", "floor", "--smooth-value", "0.2"}, "smooth:floor[0.20]"},
		{"add-k default", nil, []string{"--smooth", "add-k"}, "smooth:add-k[1.00]"},
		{"tokenizer and case", nil, []string{"--tokenize", "intl", "--lowercase", "--effective-order"}, "case:lc|eff:yes|tok:intl"},
		{"max order", nil, []string{"--max-order", "2"}, "= 60.50 82.4/50.0 (BP"},
		{"environment", map[string]string{"SWEEP_LOWERCASE": "true", "SWEEP_TOKENIZE": "char"}, nil, "case:lc|eff:no|tok:char"},
		{"flag beats environment", map[string]string{"SWEEP_TOKENIZE": "char"}, []string{"--tokenize", "none"}, "tok:none"},
		{"smoothing from environment", map[string]string{"SWEEP_SMOOTH": "floor", "SWEEP_SMOOTH_VALUE": "0.3"}, nil, "smooth:floor[0.30]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			out, errOut, code := runCLI(t, "", append([]string{"score", "--metric", "bleu", "--input", in}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("got %q, want it to contain %q", out, tc.want)
			}
		})
	}
}

func TestScoreMetrics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		args  []string
		want  string
	}{
		{"squad", `{"prediction": "Denver Broncos.", "references": ["Denver Broncos"]}
{"prediction": "Broncos", "references": ["Denver Broncos"]}`,
			nil, `{"exact_match": 50.0, "f1": 83.33333333333333}` + "\n"},
		{"rouge", `{"prediction": "The quick brown dog jumps on the log.", "references": ["The quick brown fox jumps over the lazy dog"]}`,
			[]string{"--stemmer", "--rouge-types", "rouge1,rougeL"},
			"ROUGE, mean of 1 cases, stemmer on, best reference per type\nrouge1     P 0.750000  R 0.666667  F 0.705882\nrougeL     P 0.625000  R 0.555556  F 0.588235\n"},
		{"gsm8k", `{"prediction": "She sells 9 eggs.\n#### 18", "references": ["Janet sells...\n#### 18"]}
{"prediction": "The answer is 18.", "references": ["x\n#### 18"]}`,
			nil, "exact_match,strict-match 0.5000\nexact_match,flexible-extract 1.0000\nopenai is_correct 0.5000\n"},
		{"accuracy", `{"logprobs": [-3.0, -1.0], "gold": 1, "choices": ["a", "b"]}
{"logprobs": [-4.0, -3.0], "gold": 0, "choices": ["long answer", "x"]}`,
			nil, "acc 0.5000\nacc_norm 1.0000\n"},
		{"peft", `{"prediction": "18", "references": ["18"]}
{"prediction": "The answer is 18", "references": ["18"]}`,
			nil, "exact_match 50.000\tf1 75.000\trougeL 70.000\ttotal 2.000\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.input, append([]string{"score", "--metric", tc.name, "--input", "-"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if out != tc.want {
				t.Errorf("got %q, want %q", out, tc.want)
			}
		})
	}
}

func TestScorePerSegmentJSON(t *testing.T) {
	out, errOut, code := runCLI(t, readmeJSON, "score", "--metric", "squad", "--input", "-", "--per-segment", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Segments []struct {
			ExactMatch float64 `json:"exact_match"`
			F1         float64 `json:"f1"`
		} `json:"segments"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Segments) != 3 || got.Segments[0].ExactMatch != 1 || got.Segments[1].ExactMatch != 0 {
		t.Errorf("got %+v", got.Segments)
	}
}

func TestScoreBadInput(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"cases.jsonl":    readmeJSON,
		"bad.jsonl":      "{\"prediction\": \"a\", \"references\": [\"a\"]}\n{\"prediction\": \"a\", \"references\": [\"a\"]\n",
		"latin1.txt":     "ok\ncaf\xe9\n",
		"hyp.txt":        readmeHyps,
		"short.txt":      "one line\n",
		"noref.jsonl":    `{"prediction": "a", "references": []}`,
		"null.jsonl":     `{"prediction": "a", "references": [null]}`,
		"empty.jsonl":    "\n",
		"gold.jsonl":     "{\"logprobs\": [-1, -2], \"gold\": 1, \"choices\": [\"a\", \"b\"]}\n{\"logprobs\": [-1, -2], \"gold\": 2, \"choices\": [\"a\", \"b\"]}\n",
		"neg.jsonl":      `{"logprobs": [-1, -2], "gold": -1, "choices": ["a", "b"]}`,
		"nochoice.jsonl": `{"logprobs": [], "gold": 0, "choices": []}`,
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	if err := os.Mkdir(p("sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop", p("loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p("noread.jsonl"), []byte(readmeJSON), 0o000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"line not JSON", []string{"--metric", "bleu", "--input", p("bad.jsonl")}, "bad.jsonl:2: not a JSON case object"},
		{"invalid UTF-8", []string{"--metric", "rouge", "--pred", p("latin1.txt"), "--ref", p("latin1.txt")}, "latin1.txt:2: invalid UTF-8"},
		{"line counts differ", []string{"--metric", "bleu", "--pred", p("hyp.txt"), "--ref", p("short.txt")}, "short.txt has 1 lines but " + p("hyp.txt") + " has 3"},
		{"no references", []string{"--metric", "squad", "--input", p("noref.jsonl")}, "noref.jsonl:1: no references"},
		{"only null references", []string{"--metric", "bleu", "--input", p("null.jsonl")}, "null.jsonl:1: every reference is null"},
		{"no metric", []string{"--input", p("cases.jsonl")}, "--metric is required"},
		{"unknown metric", []string{"--metric", "meteor", "--input", p("cases.jsonl")}, `unknown metric "meteor"`},
		{"both forms", []string{"--metric", "bleu", "--input", p("cases.jsonl"), "--pred", p("hyp.txt")}, "either --input or --pred"},
		{"pred without ref", []string{"--metric", "bleu", "--pred", p("hyp.txt")}, "--pred with at least one --ref"},
		{"missing file", []string{"--metric", "bleu", "--input", p("nope.jsonl")}, "no such file"},
		{"value for exp", []string{"--metric", "bleu", "--input", p("cases.jsonl"), "--smooth-value", "1"}, "a smoothing value applies only to floor and add-k"},
		{"bad tokenizer", []string{"--metric", "bleu", "--input", p("cases.jsonl"), "--tokenize", "zh"}, `unknown BLEU tokenizer "zh"`},
		{"bad flag value", []string{"--metric", "bleu", "--input", p("cases.jsonl"), "--max-order", "four"}, `invalid argument "four"`},
		{"text cases for accuracy", []string{"--metric", "accuracy", "--input", p("cases.jsonl")}, "cases.jsonl:1: no logprobs"},
		{"empty input", []string{"--metric", "bleu", "--input", p("empty.jsonl")}, "no cases to score"},
		{"gold past the choices", []string{"--metric", "accuracy", "--input", p("gold.jsonl")}, `gold.jsonl:2: "gold": 2 is out of range for 2 choices (want 0 to 1)`},
		{"negative gold", []string{"--metric", "accuracy", "--input", p("neg.jsonl")}, `neg.jsonl:1: "gold": -1 is out of range for 2 choices (want 0 to 1)`},
		{"no choices", []string{"--metric", "accuracy", "--input", p("nochoice.jsonl")}, `nochoice.jsonl:1: "choices" is empty`},
		{"directory as input", []string{"--metric", "bleu", "--input", p("sub")}, p("sub") + " is a directory, want a file"},
		{"directory as reference", []string{"--metric", "bleu", "--pred", p("hyp.txt"), "--ref", p("sub")}, p("sub") + " is a directory, want a file"},
		{"symlink loop", []string{"--metric", "bleu", "--input", p("loop")}, "too many levels of symbolic links"},
		// Opens, then fails to read: EIO at address 0.
		{"unreadable file", []string{"--metric", "bleu", "--pred", "/proc/self/mem", "--ref", p("hyp.txt")}, "/proc/self/mem: read /proc/self/mem: input/output error"},
		// Root reads a mode-000 file: the case runs only for others.
		{"permission denied", []string{"--metric", "bleu", "--input", p("noread.jsonl")}, "open " + p("noread.jsonl") + ": permission denied"},
	} {
		if tc.name == "unreadable file" && runtime.GOOS != "linux" || tc.name == "permission denied" && os.Geteuid() == 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", append([]string{"score"}, tc.args...)...)
			if code != 2 {
				t.Errorf("got exit %d, want 2 (%s)", code, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("got %q, want it to contain %q", errOut, tc.want)
			}
		})
	}
}

func TestScoreStdinErrorName(t *testing.T) {
	_, errOut, code := runCLI(t, "{\"prediction\": \"a\", \"references\": [\"b\"]}\nnot json\n", "score", "--metric", "bleu", "--input", "-")
	if code != 2 || !strings.Contains(errOut, "<stdin>:2: not a JSON case object") {
		t.Errorf("got exit %d and %q, want 2 and <stdin>:2: not a JSON case object", code, errOut)
	}
}

// TestScoreROUGELongTexts scores a 200,000-token prediction against a
// 200,000-token reference with every ROUGE type, in a child process (the
// test binary as sweep), and bounds its peak resident memory: rouge-score's
// LCS table alone would take 160 GB. Of every 8 reference tokens the
// prediction keeps 6 in order, replaces one, drops one and inserts one;
// what it adds is never in the reference (it has a digit), so the LCS is
// exactly the 150,000 kept: ROUGE-1, ROUGE-L and ROUGE-Lsum are 0.75. A
// 64-word vocabulary makes the LCS paths tie everywhere. The texts are one
// line each (plain files), or two (JSON Lines), whose halves draw from
// different words, so that ROUGE-Lsum backtracks two 100,000-token pairs.
func TestScoreROUGELongTexts(t *testing.T) {
	if testing.Short() {
		t.Skip("scores two 200,000-token texts: a few seconds")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the peak RSS as Linux reports it, in KiB")
	}
	const n = 200_000
	r := rand.New(rand.NewPCG(1, 2))
	var ref, pred [2]strings.Builder
	for i := range n {
		h := i * 2 / n
		w := string([]byte{"wv"[h], byte('a' + r.IntN(8)), byte('a' + r.IntN(8))})
		ref[h].WriteString(w + " ")
		switch i % 8 {
		case 3:
			fmt.Fprintf(&pred[h], "x%d ", i)
		case 5:
		case 6:
			fmt.Fprintf(&pred[h], "y%d %s ", i, w)
		default:
			pred[h].WriteString(w + " ")
		}
	}
	oneLine := func(b [2]strings.Builder, sep string) string { return b[0].String() + sep + b[1].String() }
	twoLines, err := json.Marshal(map[string]any{"prediction": oneLine(pred, "\n"), "references": []string{oneLine(ref, "\n")}})
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"ref.txt":     oneLine(ref, "") + "\n",
		"pred.txt":    oneLine(pred, "") + "\n",
		"cases.jsonl": string(twoLines) + "\n",
	})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		input []string
	}{
		{"one line", []string{"--pred", filepath.Join(dir, "pred.txt"), "--ref", filepath.Join(dir, "ref.txt")}},
		{"two lines", []string{"--input", filepath.Join(dir, "cases.jsonl")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(self, append([]string{"score", "--metric", "rouge"}, tc.input...)...)
			cmd.Env = append(os.Environ(), "SWEEP_TEST_CLI=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %s", err, stderr.Bytes())
			}
			peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
			t.Logf("peak RSS %.1f MiB, %v", float64(peak)/(1<<20), time.Since(start).Round(time.Millisecond))
			for _, want := range []string{
				"rouge1     P 0.750000  R 0.750000  F 0.750000\n",
				"rougeL     P 0.750000  R 0.750000  F 0.750000\n",
				"rougeLsum  P 0.750000  R 0.750000  F 0.750000\n",
			} {
				if !strings.Contains(string(out), want) {
					t.Errorf("got\n%s\nwant a line %q", out, want)
				}
			}
			if peak > 200<<20 {
				t.Errorf("peak RSS %d MiB, want at most 200 MiB", peak>>20)
			}
		})
	}
}
