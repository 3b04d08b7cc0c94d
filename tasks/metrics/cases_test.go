package metrics

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadCases(t *testing.T) {
	in := `{"prediction": "a b", "references": ["a b", "c"]}

{"id": "q2", "prediction": "", "references": [""]}
{"id": 7, "logprobs": [-1.5, -0.5], "gold": 1, "choices": ["x", "y"]}
{"prediction": "d", "references": [null, "d", null, ""]}
`
	got, err := ReadCases(strings.NewReader(in), "c.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{
		{Prediction: "a b", References: []string{"a b", "c"}, Source: "c.jsonl:1"},
		{ID: "q2", Prediction: "", References: []string{""}, Source: "c.jsonl:3"},
		{ID: "7", Logprobs: []float64{-1.5, -0.5}, Gold: 1, Choices: []string{"x", "y"}, Source: "c.jsonl:4"},
		{Prediction: "d", References: []string{"d", ""}, Source: "c.jsonl:5"}, // nulls are left out
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestReadCasesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"{\"prediction\": \"a\", \"references\": [\"b\"]}\nnot json\n", "c.jsonl:2: not a JSON case object"},
		{"{\"prediction\": \"\xff\", \"references\": [\"b\"]}", "c.jsonl:1: invalid UTF-8"},
		{`{"prediction": "a", "references": ["b"]} {}`, "c.jsonl:1: not a JSON case object: text after the object"},
		{`{"prediction": "a", "refs": ["b"]}`, `c.jsonl:1: not a JSON case object: json: unknown field "refs"`},
		{`{"prediction": "a"}`, `c.jsonl:1: no "references"`},
		{`{"references": ["a"]}`, `c.jsonl:1: no "prediction"`},
		{`{"prediction": "a", "references": [null, null]}`, "c.jsonl:1: every reference is null"},
		{`{"prediction": "a", "references": "b"}`, "c.jsonl:1: not a JSON case object"},
		{`{"logprobs": [-1], "choices": ["a"]}`, `c.jsonl:1: a multiple-choice case needs "logprobs", "gold" and "choices"`},
		{`{"logprobs": [-1], "gold": 0.5, "choices": ["a"]}`, "c.jsonl:1: not a JSON case object"},
		{`{"prediction": "a", "references": ["b"], "gold": 0}`, "c.jsonl:1: a case has either"},
		{`{}`, `c.jsonl:1: want "prediction" and "references"`},
		{`[1, 2]`, "c.jsonl:1: not a JSON case object"},
		{"{\"logprobs\": [-1, -2], \"gold\": 1, \"choices\": [\"a\", \"b\"]}\n{\"logprobs\": [-1, -2], \"gold\": 2, \"choices\": [\"a\", \"b\"]}",
			`c.jsonl:2: "gold": 2 is out of range for 2 choices (want 0 to 1)`},
		{`{"logprobs": [-1], "gold": -1, "choices": ["a"]}`, `c.jsonl:1: "gold": -1 is out of range for 1 choices (want 0 to 0)`},
		{`{"logprobs": [], "gold": 0, "choices": []}`, `c.jsonl:1: "choices" is empty`},
	} {
		_, err := ReadCases(strings.NewReader(tc.in), "c.jsonl")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ReadCases(%q): got error %v, want one starting %q", tc.in, err, tc.want)
		}
	}
}

func TestReadTextFile(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a\n", []string{"a"}},
		{"a", []string{"a"}},
		{"a \r\nb\u2028c\n\n", []string{"a", "b\u2028c", ""}}, // lines end at \n only
	} {
		f, err := ReadTextFile(strings.NewReader(tc.in), "f.txt")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.Lines, tc.want) {
			t.Errorf("ReadTextFile(%q): got %q, want %q", tc.in, f.Lines, tc.want)
		}
	}
	if _, err := ReadTextFile(strings.NewReader("ok\nbad\xc3\n"), "f.txt"); err == nil || err.Error() != "f.txt:2: invalid UTF-8" {
		t.Errorf("got error %v, want f.txt:2: invalid UTF-8", err)
	}
}

func TestCasesFromFiles(t *testing.T) {
	pred := TextFile{"p.txt", []string{"a", "b"}}
	r1 := TextFile{"r1.txt", []string{"A", "B"}}
	r2 := TextFile{"r2.txt", []string{"AA", "BB"}}
	got, err := CasesFromFiles(pred, r1, r2)
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{
		{Prediction: "a", References: []string{"A", "AA"}, Source: "p.txt:1"},
		{Prediction: "b", References: []string{"B", "BB"}, Source: "p.txt:2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	_, err = CasesFromFiles(pred, r1, TextFile{"short.txt", []string{"x"}})
	if want := "short.txt has 1 lines but p.txt has 2: predictions and references must pair up line by line"; err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
	if _, err := CasesFromFiles(pred); err == nil {
		t.Error("no reference files: got no error, want one")
	}
}
