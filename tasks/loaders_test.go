package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden loads each hand-made fixture, in each real format, and
// compares the normalised examples with the golden JSON Lines beside it.
// Run `go test ./tasks -run Golden -update` after an intended change, and
// read the diff.
func TestGolden(t *testing.T) {
	tests := []struct {
		task, file, split string
	}{
		{"squad", "squad/dev-mini.json", Test},
		{"squad", "squad/rows-mini.jsonl", Test},
		{"dialogsum", "dialogsum/test-mini.jsonl", Test},
		{"dialogsum", "dialogsum/train-mini.jsonl", Train},
		{"hellaswag", "hellaswag/val-mini.jsonl", Test},
		{"iwslt2017-de-en", "iwslt/train.tags.de-en.de", Train},
		{"iwslt2017-de-en", "iwslt/train.tags.de-en.en", Train},
		{"iwslt2017-de-en", "iwslt/train.tags.de-en", Train},
		{"iwslt2017-de-en", "iwslt/IWSLT17.TED.dev2010.de-en.de.xml", Validation},
		{"iwslt2017-de-en", "iwslt/pairs.tsv", Test},
		{"iwslt2017-de-en", "iwslt/hf-mini.jsonl", Test},
		{"gsm8k", "gsm8k/test-mini.jsonl", Test},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ex, err := LoadFile(Config{Name: tt.task}, tt.split, filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetEscapeHTML(false)
			for _, e := range ex {
				if err := enc.Encode(e); err != nil {
					t.Fatal(err)
				}
			}
			// gsm8k/test-mini.jsonl → gsm8k_test-mini.jsonl, not .jsonl.jsonl.
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(strings.ReplaceAll(tt.file, "/", "_"), ".jsonl")+".jsonl")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("got\n%s\nwant\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestGoldenSpotChecks pins the awkward cases of the fixtures by hand, so
// the golden files cannot silently drift to a wrong answer.
func TestGoldenSpotChecks(t *testing.T) {
	load := func(task, file, split string) []Example {
		t.Helper()
		ex, err := LoadFile(Config{Name: task}, split, filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		return ex
	}
	sq := load("squad", "squad/dev-mini.json", Test)
	if len(sq) != 5 {
		t.Fatalf("squad: got %d examples, want 5 (a paragraph without questions adds none)", len(sq))
	}
	checks := []struct{ name, got, want string }{
		{"squad several answers", strings.Join(sq[0].References, "|"), "Denver Broncos|The Denver Broncos|Denver Broncos"},
		{"squad target", sq[0].Target, " Denver Broncos"},
		{"squad trimmed question", sq[1].Prompt[strings.Index(sq[1].Prompt, "Question:"):], "Question: Where was the game played?\nAnswer:"},
		{"squad trimmed target, raw reference", sq[1].Target + "|" + sq[1].References[0], " Levi's Stadium| Levi's Stadium "},
		{"squad empty context", sq[2].Prompt, "Context: \nQuestion: What is the capital of France?\nAnswer:"},
		{"squad unicode", sq[4].Target, " 東京"},
	}
	ds := load("dialogsum", "dialogsum/test-mini.jsonl", Test)
	if len(ds) != 3 {
		t.Fatalf("dialogsum: got %d examples, want 3 (two lines of one dialogue merge)", len(ds))
	}
	checks = append(checks, []struct{ name, got, want string }{
		{"dialogsum three references", strings.Join(ds[0].References, "|"),
			"#Person2# tells #Person1# the way to the station.|#Person1# asks where the station is.|“Straight on,” says #Person2#."},
		{"dialogsum merged lines", ds[1].ID + " " + strings.Join(ds[1].References, "|"), "test_1_1 #Person1# offers coffee.|#Person2# accepts a coffee."},
		{"dialogsum blank summary dropped", strings.Join(ds[2].References, "|"), "They greet each other.|#Person1# says hello in Chinese."},
		{"dialogsum CRLF kept out of text", ds[0].Prompt, "Dialogue:\n#Person1#: Où est la gare?\n#Person2#: Tout droit — 200 m.\nSummary:"},
	}...)
	tr := load("dialogsum", "dialogsum/train-mini.jsonl", Train)
	checks = append(checks, struct{ name, got, want string }{"dialogsum train: no merging, line ids",
		tr[1].ID + " " + tr[2].ID + " " + tr[0].Target, "train-2 train-3  They say hi."})
	g := load("gsm8k", "gsm8k/test-mini.jsonl", Test)
	checks = append(checks, []struct{ name, got, want string }{
		{"gsm8k line id", g[0].ID, "test-1"},
		{"gsm8k full solution target", g[0].Target, " Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"},
		{"gsm8k explicit id, trimmed", g[2].ID + "|" + g[2].Prompt, "gsm-x|Question: A book costs €1,250. How much are two?\nAnswer:"},
	}...)
	iw := load("iwslt2017-de-en", "iwslt/train.tags.de-en.de", Train)
	checks = append(checks, []struct{ name, got, want string }{
		{"iwslt tags and blank lines skipped", iw[0].ID + "|" + iw[1].ID + "|" + iw[1].Prompt, "train-4|train-6|German: Grüße aus Köln!\nEnglish:"},
	}...)
	xml := load("iwslt2017-de-en", "iwslt/IWSLT17.TED.dev2010.de-en.de.xml", Validation)
	checks = append(checks, []struct{ name, got, want string }{
		{"iwslt xml matched by id, entities", xml[1].ID + "|" + xml[1].Target, `535:2| It is an honor to be "here".`},
		{"iwslt xml second doc", xml[2].ID + "|" + xml[2].References[0], "536:1|Second talk."},
	}...)
	tsv := load("iwslt2017-de-en", "iwslt/pairs.tsv", Test)
	checks = append(checks, struct{ name, got, want string }{"tsv header, several references",
		tsv[0].ID + "|" + strings.Join(tsv[0].References, "|") + "|" + tsv[1].ID, "test-2|Good morning.|Morning.|test-4"})
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(iw) != 3 || len(xml) != 3 || len(tsv) != 2 {
		t.Errorf("got %d, %d, %d iwslt examples, want 3, 3, 2", len(iw), len(xml), len(tsv))
	}
}

// TestHellaSwagMatchesLMEval compares the query and choices with those that
// lm-evaluation-harness's preprocess() and Python's str.capitalize() gave
// for the same fixture (testdata/hellaswag/val-mini.lmeval.jsonl, written
// by Python 3.11).
func TestHellaSwagMatchesLMEval(t *testing.T) {
	ex, err := LoadFile(Config{Name: "hellaswag"}, Test, "testdata/hellaswag/val-mini.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/hellaswag/val-mini.lmeval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(ex) {
		t.Fatalf("got %d examples, want %d", len(ex), len(lines))
	}
	for i, line := range lines {
		var want struct {
			Query   string   `json:"query"`
			Choices []string `json:"choices"`
			Gold    int      `json:"gold"`
		}
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		e := ex[i]
		if e.Prompt != want.Query {
			t.Errorf("%d: got query %q, want %q", i, e.Prompt, want.Query)
		}
		if e.Gold != want.Gold {
			t.Errorf("%d: got gold %d, want %d", i, e.Gold, want.Gold)
		}
		if len(e.Choices) != len(want.Choices) {
			t.Fatalf("%d: got %d choices, want %d", i, len(e.Choices), len(want.Choices))
		}
		for k := range want.Choices {
			// lm-eval scores " " + choice after the query.
			if e.Choices[k] != " "+want.Choices[k] {
				t.Errorf("%d: got choice %d %q, want %q", i, k, e.Choices[k], " "+want.Choices[k])
			}
		}
		if e.Target != e.Choices[e.Gold] || e.References[0] != want.Choices[want.Gold] {
			t.Errorf("%d: got target %q, references %q; want the gold choice", i, e.Target, e.References)
		}
	}
}

func TestPyCapitalize(t *testing.T) {
	// Expected values are Python 3.11's str.capitalize().
	tests := []struct{ in, want string }{
		{"", ""},
		{"the man in the USA", "The man in the usa"},
		{"ßtraße", "Sstraße"},
		{"ǆemal", "ǅemal"},
		{"ﬁne", "Fine"},
		{"ΟΔΟΣ ΚΑΛΗ", "Οδος καλη"},
		{"ΣΑΣ.", "Σας."},
		{"Σ", "Σ"},
		{"aΣb", "Aσb"},
		{"İSTANBUL", "İstanbul"},
		{"xİ", "Xi̇"},
		{"123 ABC", "123 abc"},
		{"élan", "Élan"},
	}
	for _, tt := range tests {
		if got := pyCapitalize(tt.in); got != tt.want {
			t.Errorf("pyCapitalize(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestBadData checks the message of each kind of malformed file, exactly.
func TestBadData(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, task, file, content, want string
	}{
		{"squad not json", "squad", "a.json", "{\"data\": [\n  {\"title\": \"x\",, }\n]}", "a.json:2:17: invalid JSON: invalid character ',' looking for beginning of object key string"},
		{"squad truncated", "squad", "a.json", "{\"data\": [\n", "a.json:2:1: invalid JSON: unexpected end of JSON input"},
		{"squad list at top", "squad", "a.json", `[1, 2]`, "a.json: $: want an object, got a list"},
		{"squad two documents", "squad", "a.json", "{\"data\": []}\n {}", "a.json:2:2: invalid JSON: more than one value (want one SQuAD v1.1 document)"},
		{"squad empty file", "squad", "a.json", "", "a.json:1:1: invalid JSON: unexpected end of JSON input"},
		{"squad no data", "squad", "a.json", `{"version": "1.1"}`, `a.json: $: missing "data" (want a SQuAD v1.1 JSON file)`},
		{"squad wrong type deep", "squad", "a.json",
			`{"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q?", "answers": [{"text": "x"}]}, {"id": "b", "question": "q?", "answers": [{"text": 5}]}]}]}]}`,
			"a.json: $.data[0].paragraphs[0].qas[1].answers[0].text: want a string, got a number"},
		{"squad id number", "squad", "a.json",
			`{"data": [{"paragraphs": [{"context": "c", "qas": [{"id": 7, "question": "q?", "answers": [{"text": "x"}]}]}]}]}`,
			"a.json: $.data[0].paragraphs[0].qas[0].id: want a string, got a number"},
		{"squad missing id", "squad", "a.json",
			`{"data": [{"paragraphs": [{"context": "c", "qas": []}, {"context": "c", "qas": [{"question": "q?", "answers": [{"text": "x"}]}]}]}]}`,
			`a.json: $.data[0].paragraphs[1].qas[0]: missing "id"`},
		{"squad missing context", "squad", "a.json",
			`{"data": [{"paragraphs": [{"qas": []}]}]}`,
			`a.json: $.data[0].paragraphs[0]: missing "context"`},
		{"squad no answers", "squad", "a.json",
			`{"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q?", "answers": []}]}]}]}`,
			"a.json: $.data[0].paragraphs[0].qas[0]: question has no answers"},
		{"squad v2", "squad", "a.json",
			`{"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q?", "answers": [], "is_impossible": true}]}]}]}`,
			"a.json: $.data[0].paragraphs[0].qas[0]: question has no answers (SQuAD v2 unanswerable questions are not supported)"},
		{"squad empty answer", "squad", "a.json",
			`{"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q?", "answers": [{"text": "x"}, {"text": " "}]}]}]}]}`,
			"a.json: $.data[0].paragraphs[0].qas[0]: answers[1]: empty answer text"},
		{"squad duplicate id", "squad", "a.json",
			`{"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "a", "question": "q?", "answers": [{"text": "x"}]}, {"id": "a", "question": "r?", "answers": [{"text": "y"}]}]}]}]}`,
			`a.json: $.data[0].paragraphs[0].qas[1]: duplicate id "a" (also at $.data[0].paragraphs[0].qas[0])`},
		{"squad empty", "squad", "a.json", `{"data": []}`, "a.json: no examples for the test split"},
		{"dialogsum bad json", "dialogsum", "d.jsonl", "{\"dialogue\": \"a\", \"summary\": \"b\"}\n\n{\"dialogue\": \"a\" \"summary\": \"b\"}\n",
			"d.jsonl:3:18: invalid JSON: invalid character '\"' after object key:value pair"},
		{"dialogsum missing dialogue", "dialogsum", "d.jsonl", "{\"dialogue\": \"a\", \"summary\": \"b\"}\r\n{\"summary\": \"b\"}\r\n", `d.jsonl:2: missing "dialogue"`},
		{"dialogsum summary type", "dialogsum", "d.jsonl", `{"dialogue": "a", "summary": 3}`, `d.jsonl:1: "summary": want a string, got a number`},
		{"dialogsum no summary", "dialogsum", "d.jsonl", `{"dialogue": "a", "topic": "t"}`, `d.jsonl:1: no summary (want "summary", "summaries" or "summary1", "summary2", ...)`},
		{"dialogsum not an object", "dialogsum", "d.jsonl", `["a"]`, `d.jsonl:1: want a JSON object, got array`},
		{"jsonl null line", "gsm8k", "g.jsonl", "null\n", `g.jsonl:1: want a JSON object, got null`},
		{"hellaswag label range", "hellaswag", "h.jsonl", `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["1", "2", "3", "4"], "label": 4}`,
			`h.jsonl:1: "label": 4 is out of range for 4 endings`},
		{"hellaswag unlabelled", "hellaswag", "h.jsonl", `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["1", "2", "3", "4"]}`,
			`h.jsonl:1: missing "label" (the public HellaSwag test file is unlabelled; use hellaswag_val.jsonl as the test split)`},
		{"hellaswag label text", "hellaswag", "h.jsonl", `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["1", "2"], "label": "x"}`,
			`h.jsonl:1: "label": want an integer, got "x"`},
		{"hellaswag endings type", "hellaswag", "h.jsonl", `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": "1", "label": 0}`,
			`h.jsonl:1: "endings": want a list of strings, got a string`},
		{"hellaswag ending type", "hellaswag", "h.jsonl", `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["1", 2], "label": 0}`,
			`h.jsonl:1: "endings"[1]: want a string, got a number`},
		{"hellaswag empty ending", "hellaswag", "h.jsonl", `{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["1", "[step]"], "label": 0}`,
			`h.jsonl:1: "endings"[1]: empty ending`},
		{"hellaswag missing activity", "hellaswag", "h.jsonl", `{"ctx_a": "b", "ctx_b": "c", "endings": ["1", "2"], "label": 0}`,
			`h.jsonl:1: missing "activity_label"`},
		{"gsm8k no final answer", "gsm8k", "g.jsonl", "{\"question\": \"q\", \"answer\": \"a\\n#### 1\"}\n{\"question\": \"q\", \"answer\": \"the answer is 4\"}\n",
			`g.jsonl:2: answer has no final "#### <number>" line`},
		{"gsm8k duplicate id", "gsm8k", "g.jsonl", "{\"id\": 1, \"question\": \"q\", \"answer\": \"#### 1\"}\n{\"id\": \"1\", \"question\": \"r\", \"answer\": \"#### 2\"}\n",
			`g.jsonl:2: duplicate id "1" (also at line 1)`},
		{"gsm8k bad id", "gsm8k", "g.jsonl", `{"id": [1], "question": "q", "answer": "#### 1"}`,
			`g.jsonl:1: "id": want a string or an integer id, got a list`},
		{"invalid utf-8", "gsm8k", "g.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"\xff\", \"answer\": \"#### 1\"}\n",
			`g.jsonl:2: invalid UTF-8`},
		{"blank file", "gsm8k", "g.jsonl", "\n\r\n  \n", `g.jsonl: no examples for the test split`},
		{"tsv no tab", "iwslt2017-de-en", "p.tsv", "a\tb\nc d\n", `p.tsv:2: want German<TAB>English, found no tab`},
		{"tsv empty english", "iwslt2017-de-en", "p.tsv", "a\t \n", `p.tsv:1: empty English side`},
		{"translation jsonl missing en", "iwslt2017-de-en", "t.jsonl", `{"translation": {"de": "a"}}`, `t.jsonl:1: missing "en"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(Config{Name: tt.task}, Test, path)
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("got error %v (%T), want a *DataError", err, err)
			}
			if got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestBadParallelData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("a.de", "eins\nzwei\n")
	write("a.en", "one\n")
	write("b.de", "eins\n")
	write("c.txt", "eins\n")
	write("d.de.xml", `<mteval><srcset><doc docid="1"><seg id="1">eins</seg><seg id="2">zwei</seg></doc></srcset></mteval>`)
	write("d.en.xml", `<mteval><refset><doc docid="1"><seg id="1">one</seg></doc></refset></mteval>`)
	write("e.de.xml", "<mteval>\n<doc docid=\"1\">\n<seg id=\"1\">eins</seg>\n<seg>zwei</seg>\n</doc></mteval>")
	write("e.en.xml", `<mteval/>`)
	write("f.de.xml", "<mteval>\n<doc docid=\"1\">\n<seg id=\"1\">eins & zwei</seg>\n</doc></mteval>")
	write("f.en.xml", `<mteval/>`)
	tests := []struct{ file, want string }{
		{"a.de", "a.en: has 1 lines but a.de has 2; parallel files must align line by line"},
		{"b.de", "b.de: English side not found: want b.en"},
		{"c.txt", "c.txt: cannot tell the format: want NAME.de with NAME.en beside it, .xml, .tsv or .jsonl"},
		{"d.de.xml", `d.en.xml: no <seg id="2"> in doc "1" (the German side has it at d.de.xml:1)`},
		{"e.de.xml", `e.de.xml:4: <seg> without an id attribute`},
		{"f.de.xml", `f.de.xml:3: invalid XML: invalid character entity & (no semicolon)`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := LoadFile(Config{Name: "iwslt2017-de-en"}, Test, filepath.Join(dir, tt.file))
			if err == nil {
				t.Fatal("got no error")
			}
			if got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
