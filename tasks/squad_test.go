package tasks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQuADAnswerStart checks answer_start in both layouts: an integer
// from 0 to the context's length in characters (code points, as Python
// indexes), or absent; anything else names the file, the question's path
// or line, and its id.
func TestSQuADAnswerStart(t *testing.T) {
	// ctx is 6 characters and 7 bytes.
	doc := func(starts string) string {
		return `{"data": [{"paragraphs": [{"context": "Zürich", "qas": [{"id": "q1", "question": "Where?", "answers": [` + starts + `]}]}]}]}`
	}
	row := func(starts string) string {
		return `{"id": "r1", "context": "Zürich", "question": "Where?", "answers": {"text": ["Zürich", "rich"], "answer_start": ` + starts + `}}`
	}
	tests := []struct {
		name, file, content, want string // want "" for no error
	}{
		{"in range", "a.json", doc(`{"text": "Zürich", "answer_start": 0}, {"text": "rich", "answer_start": 2}`), ""},
		{"at the end", "a.json", doc(`{"text": "Zürich", "answer_start": 6}`), ""},
		{"absent", "a.json", doc(`{"text": "Zürich"}`), ""},
		{"null", "a.json", doc(`{"text": "Zürich", "answer_start": null}`), ""},
		{"past the end in characters", "a.json", doc(`{"text": "Zürich", "answer_start": 0}, {"text": "h", "answer_start": 7}`),
			`a.json: $.data[0].paragraphs[0].qas[0]: question "q1": answers[1].answer_start: 7 is past the end of the context (6 characters)`},
		{"negative", "a.json", doc(`{"text": "Zürich", "answer_start": -1}`),
			`a.json: $.data[0].paragraphs[0].qas[0]: question "q1": answers[0].answer_start: -1 is negative (want a character offset into the context)`},
		{"string", "a.json", doc(`{"text": "Zürich", "answer_start": "0"}`),
			`a.json: $.data[0].paragraphs[0].qas[0]: question "q1": answers[0].answer_start: want an integer, got a string`},
		{"fraction", "a.json", doc(`{"text": "Zürich", "answer_start": 1.5}`),
			`a.json: $.data[0].paragraphs[0].qas[0]: question "q1": answers[0].answer_start: want an integer, got 1.5`},
		{"huge", "a.json", doc(`{"text": "Zürich", "answer_start": 99999999999999999999}`),
			`a.json: $.data[0].paragraphs[0].qas[0]: question "q1": answers[0].answer_start: want an integer, got 99999999999999999999`},
		{"rows in range", "r.jsonl", row(`[0, 2]`), ""},
		{"rows absent", "r.jsonl", `{"id": "r1", "context": "Zürich", "question": "Where?", "answers": {"text": ["Zürich"]}}`, ""},
		{"rows past the end", "r.jsonl", "\n" + row(`[0, 7]`),
			`r.jsonl:2: question "r1": "answers"."answer_start"[1]: 7 is past the end of the context (6 characters)`},
		{"rows negative", "r.jsonl", row(`[-3, 2]`),
			`r.jsonl:1: question "r1": "answers"."answer_start"[0]: -3 is negative (want a character offset into the context)`},
		{"rows not a list", "r.jsonl", row(`0`), `r.jsonl:1: "answers"."answer_start": want a list of integers, got a number`},
		{"rows too few", "r.jsonl", row(`[0]`), `r.jsonl:1: "answers": 2 texts but 1 answer_start offsets`},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			ex, err := LoadFile(Config{Name: "squad"}, Test, path)
			if tt.want == "" {
				if err != nil || len(ex) != 1 {
					t.Fatalf("got %d examples and error %v, want 1 and none", len(ex), err)
				}
				return
			}
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
