package tasks

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets feed arbitrary bytes to the loaders through in-memory
// files: they must return examples or an error, never panic, and every
// example they return must be well formed.

func checkExamples(t *testing.T, ex []Example, err error) {
	t.Helper()
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	for _, e := range ex {
		if len(e.Choices) > 0 {
			if e.Gold < 0 || e.Gold >= len(e.Choices) || e.Target != e.Choices[e.Gold] {
				t.Fatalf("bad choice example %+v", e)
			}
		} else if len(e.References) == 0 {
			t.Fatalf("example without references %+v", e)
		}
		if !utf8.ValidString(e.Prompt) || !utf8.ValidString(e.Target) {
			t.Fatalf("invalid UTF-8 in %+v", e)
		}
	}
}

func fuzzLoad(task, name string, files memFiles) ([]Example, error) {
	t := registry[task]
	tmpl, err := parseTemplate(t.info, t.info.Prompt)
	if err != nil {
		return nil, err
	}
	s := &session{cfg: Config{Name: task}, t: t, tmpl: tmpl, f: files,
		data: map[string]string{Test: name}, noCarve: true, cache: map[string][]record{}}
	return s.examples(Test)
}

func FuzzLoadSQuAD(f *testing.F) {
	f.Add([]byte(`{"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q?", "answers": [{"text": "x", "answer_start": 0}]}]}]}]}`))
	f.Add([]byte(`{"data": [{"paragraphs": [{"context": "", "qas": [{"id": 1, "question": "q", "answers": [{"text": 5}]}]}]}]}`))
	f.Add([]byte(`{"data": [{"paragraphs": [{"qas": [{"id": "a", "answers": [], "is_impossible": true}]}]}]}`))
	f.Add([]byte("{\"data\": [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := fuzzLoad("squad", "f.json", memFiles{"f.json": data})
		checkExamples(t, ex, err)
	})
}

// FuzzLoadJSONL runs the JSON Lines loaders (dialogsum, hellaswag, gsm8k,
// the SQuAD rows and IWSLT's JSONL) on the same input.
func FuzzLoadJSONL(f *testing.F) {
	f.Add([]byte("{\"dialogue\": \"#Person1#: Hi.\", \"summary\": \"x\", \"summary2\": \"y\"}\r\n\n{\"id\": 3, \"dialog\": \"a\", \"summaries\": [\"b\"]}"))
	f.Add([]byte(`{"ind": 1, "activity_label": "a [title] b", "ctx_a": "c", "ctx_b": "ΟΔΟΣ İ", "endings": ["x", "[y]", "z  w", "v"], "label": "3"}`))
	f.Add([]byte("{\"question\": \"q\", \"answer\": \"a\\n#### -1,000\"}\n{\"question\": \"q\", \"answer\": \"#### x\"}"))
	f.Add([]byte(`{"id": "a", "context": "c", "question": "q", "answers": {"text": ["x"], "answer_start": [0]}}`))
	f.Add([]byte(`{"translation": {"de": "a", "en": "b"}}` + "\n" + `{"de": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []struct{ task, name string }{
			{"dialogsum", "f.jsonl"}, {"hellaswag", "f.jsonl"}, {"gsm8k", "f.jsonl"},
			{"squad", "f.jsonl"}, {"iwslt2017-de-en", "f.jsonl"},
		} {
			ex, err := fuzzLoad(c.task, c.name, memFiles{c.name: data})
			checkExamples(t, ex, err)
		}
	})
}

// FuzzLoadIWSLT splits the input at the first NUL into a German and an
// English side and reads them as plain text, as XML and as TSV.
func FuzzLoadIWSLT(f *testing.F) {
	f.Add([]byte("<talkid>1</talkid>\nEin Satz.\r\n\n\x00<talkid>1</talkid>\nA sentence.\r\n\n"))
	f.Add([]byte("<mteval><doc docid=\"1\"><seg id=\"1\"> a &amp; b </seg></doc></mteval>\x00<mteval><doc docid=\"1\"><seg id=\"1\">c</seg></doc></mteval>"))
	f.Add([]byte("de\ten\na\tb\tc\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		de, en, _ := strings.Cut(string(data), "\x00")
		for _, c := range []struct{ src, tgt string }{
			{"f.de", "f.en"}, {"f.de.xml", "f.en.xml"},
		} {
			ex, err := fuzzLoad("iwslt2017-de-en", c.src, memFiles{c.src: []byte(de), c.tgt: []byte(en)})
			checkExamples(t, ex, err)
		}
		ex, err := fuzzLoad("iwslt2017-de-en", "f.tsv", memFiles{"f.tsv": data})
		checkExamples(t, ex, err)
	})
}

func FuzzTemplate(f *testing.F) {
	f.Add("Context: {context}\nQuestion: {question}\nAnswer: {answer}")
	f.Add("{{x}} {title}{answer}")
	f.Add("{answer")
	f.Fuzz(func(t *testing.T, text string) {
		tp, err := ParseTemplate("squad", text)
		if err != nil {
			return
		}
		e := tp.example(&record{vals: []string{"T", "C", "Q"}, target: "A", refs: []string{"A"}})
		if !strings.HasSuffix(e.Target, "A") || strings.TrimLeft(e.Target[:len(e.Target)-1], " \t\n") != "" {
			t.Fatalf("template %q: got target %q", text, e.Target)
		}
	})
}

func FuzzPyCapitalize(f *testing.F) {
	f.Add("ΟΔΟΣ İstanbul ßtraße")
	f.Fuzz(func(t *testing.T, s string) {
		got := pyCapitalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("pyCapitalize(%q) = %q is not valid UTF-8", s, got)
		}
		if s != "" && got == "" {
			t.Fatalf("pyCapitalize(%q) is empty", s)
		}
	})
}
