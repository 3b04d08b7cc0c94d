package trialframe

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
)

func ptr[T any](x T) *T { return &x }

// small is a frame of four trials: two tasks, three methods, an integer
// and a float hyper-parameter, a pending trial without scores.
func small() *results.TrialResults {
	return &results.TrialResults{
		TaskKeys:    map[string]string{"syn-squad": "exact_match"},
		TestMetrics: map[string][]string{"syn-squad": {"exact_match", "f1"}, "mine": {"loss", "score"}},
		Trials: []results.TrialResult{
			{Trial: "a", Task: "syn-squad", Method: "lora", Rank: 8, Seed: 1, HParams: `{"lr":0.001,"steps":100}`, Trainable: ptr[int64](4096),
				State: "succeeded", Attempts: 1, Attempt: 1, AttemptStatus: "succeeded", Steps: ptr[int64](100), WallSeconds: ptr(12.5),
				Scores: []results.TrialScore{{Split: "test", Metric: "exact_match", Value: 61.5}, {Split: "test", Metric: "f1", Value: 70.25},
					{Split: "validation", Metric: "exact_match", Value: 58}}},
			{Trial: "b", Task: "syn-squad", Method: "tl6", Rank: 2, Seed: 1, HParams: `{"lr":1e-7,"steps":100}`, Trainable: ptr[int64](1152),
				State: "succeeded", Attempts: 2, Attempt: 3, AttemptStatus: "succeeded", Steps: ptr[int64](100), WallSeconds: ptr(30.0),
				Scores: []results.TrialScore{{Split: "test", Metric: "exact_match", Value: 40}, {Split: "validation", Metric: "exact_match", Value: math.NaN()}}},
			{Trial: "c", Task: "mine", Method: "tl6", Rank: 16, Seed: 2, HParams: `{"lr":0.001,"steps":200,"sched":"cos"}`,
				State: "succeeded", Attempts: 1, Attempt: 4, AttemptStatus: "succeeded", Steps: ptr[int64](200), WallSeconds: ptr(1234567.0),
				Scores: []results.TrialScore{{Split: "test", Metric: "loss", Value: 0.5}, {Split: "test", Metric: "score", Value: math.Inf(1)}}},
			{Trial: "d", Task: "syn-squad", Method: "<b>x|y</b>", Rank: 8, Seed: 2, HParams: `{"lr":0.003,"steps":100}`, State: "pending"},
		},
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr string
		col  int
		msg  string
	}{
		{`method=tl6`, 7, `"=" is no operator; write == to compare`},
		{`method==tl6`, 9, `want a number or a quoted string, got tl6 (a string is quoted: "tl6")`},
		{`method=="tl6`, 9, "string not closed"},
		{`rank>=8 & task=="x"`, 9, `"&" alone is no operator; write &&`},
		{`rank>=8 || `, 12, "want a column name, got end of expression"},
		{`rank 8`, 6, `want ==, !=, <, <=, > or >= after rank, got "8"`},
		{`(rank>8`, 8, "want ) to close the ( at col 1, got end of expression"},
		{`rank>8)`, 7, `unexpected ")"`},
		{`rank>8 task=="x"`, 8, `unexpected "task"; join comparisons with && or ||`},
		{`!(rank>8)`, 1, "! (not) is not supported"},
		{`rank>1e`, 6, `bad number "1e"`},
		{`8<rank`, 1, `want a column name, got "8"`},
		{`rank>=8 && test>`, 17, "want a number or a quoted string after >, got end of expression"},
		{"`hp.lr<1", 1, "name not closed"},
		{`rank # 8`, 6, `unexpected '#'`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrQuery) {
			t.Errorf("%s: got %v, want a syntax error", tt.expr, err)
			continue
		}
		if se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: got col %d %q, want col %d %q", tt.expr, se.Col, se.Msg, tt.col, tt.msg)
		}
	}
	// The message shows the expression and a caret under the column.
	_, err := Parse(`method=tl6`)
	if want := "col 7: \"=\" is no operator; write == to compare\n  method=tl6\n        ^"; err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
}

func TestWhere(t *testing.T) {
	df := New(small())
	tests := []struct {
		expr string
		want []string // trials kept
	}{
		{`method=="tl6"`, []string{"b", "c"}},
		{`method=='tl6'`, []string{"b", "c"}},
		{`method!="tl6"`, []string{"a", "d"}},
		{`rank>=8 && task=="syn-squad"`, []string{"a", "d"}},
		{`rank > 7.5`, []string{"a", "c", "d"}}, // a fraction against integers compares as floats
		{`rank<8.5 && rank>=8`, []string{"a", "d"}},
		{`test>50`, []string{"a", "c"}}, // c's is +Inf; d's is missing, which compares false
		{`test>0.1 || test<=40`, []string{"a", "b", "c"}},
		{`(method=="tl6" || rank==8) && seed==2`, []string{"c", "d"}},
		{`method=="lora" || method=="tl6" && seed==2`, []string{"a", "c"}}, // && binds tighter
		{`hp.lr==1e-7`, []string{"b"}},                                     // not gota's six decimals
		{`lr<=0.001 && steps>=100`, []string{"a", "b", "c"}},               // lr: hp.lr; steps: the trained steps
		{`hp.sched=="cos"`, []string{"c"}},
		{`test.score>=1e300`, []string{"c"}}, // +Inf
		{"`hp.lr`>0.002", []string{"d"}},
		{`trainable>0`, []string{"a", "b"}},
		{`method=="<b>x|y</b>"`, []string{"d"}},
		{`metric=="score"`, []string{"c"}}, // mine has no key: its first test metric, loss last
		{`wall_s>1e6`, []string{"c"}},
		{`rank>100`, nil},
	}
	for _, tt := range tests {
		got, err := Query{Where: tt.expr}.Apply(df)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		var ids []string
		for i := range got.Nrow() {
			ids = append(ids, got.Col("trial").Elem(i).String())
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.expr, ids, tt.want)
		}
	}
}

func TestWhereAgainstTheFrame(t *testing.T) {
	df := New(small())
	tests := []struct {
		expr, want string
	}{
		{`rnak>=8`, `--where: col 1: unknown column "rnak" (known: trial, task, method, rank, seed, hp.lr, hp.sched, hp.steps, trainable,`},
		{`rank>=8 && method==6`, `col 20: method is text: compare it with a quoted string, "6"`},
		{`rank=="8"`, `col 7: rank is a number: compare it with a number, not "8"`},
		{strings.Repeat(`(rank==1 && seed==1) || `, 9) + `rank==3`, "too many alternatives"},
	}
	for _, tt := range tests {
		_, err := Query{Where: tt.expr}.Apply(df)
		if !errors.Is(err, ErrQuery) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.expr, err, tt.want)
		}
	}
}
