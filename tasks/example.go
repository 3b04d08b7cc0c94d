package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
)

// Example is one normalised example, the unit workers train and evaluate on.
//
// Prompt+Target is the training text; the loss covers Target only. Target
// starts with the separator the template puts before the answer (usually
// one space), so Prompt+Target reads exactly as the template renders it.
// References are what the metric compares a generation with (a generation
// is the text produced after Prompt). For multiple-choice tasks Choices
// holds every continuation (each with the same leading separator, as
// lm-evaluation-harness scores them), Gold indexes the right one, Target is
// Choices[Gold] and References holds the gold ending without the separator.
type Example struct {
	ID         string   `json:"id"`
	Prompt     string   `json:"prompt"`
	Target     string   `json:"target"`
	References []string `json:"references"`
	Choices    []string `json:"choices,omitempty"`
	Gold       int      `json:"gold"`
	// sep is the template's separator that starts each choice; it is not
	// part of the example's JSON.
	sep string
}

// MetricCase is the example as tasks/metrics scores it, without the
// prediction or the log-likelihoods, which the caller sets. Its choices
// lose the leading separator: lm-evaluation-harness requests " " + choice
// but normalises acc_norm by the length of the choice alone.
func (e Example) MetricCase() metrics.Case {
	c := metrics.Case{ID: e.ID, References: e.References}
	if len(e.Choices) == 0 {
		return c
	}
	sep := e.sep
	if sep == "" && e.Gold >= 0 && e.Gold < len(e.Choices) && len(e.References) == 1 {
		// Decoded from JSON: the gold choice is the separator then the
		// gold ending, which References holds.
		sep, _ = strings.CutSuffix(e.Choices[e.Gold], e.References[0])
		if sep+e.References[0] != e.Choices[e.Gold] || strings.TrimSpace(sep) != "" {
			sep = ""
		}
	}
	c.Gold = e.Gold
	c.Choices = make([]string, len(e.Choices))
	for i, ch := range e.Choices {
		c.Choices[i] = strings.TrimPrefix(ch, sep)
	}
	return c
}

// MarshalJSON writes gold only for multiple-choice examples.
func (e Example) MarshalJSON() ([]byte, error) {
	type plain struct {
		ID         string   `json:"id"`
		Prompt     string   `json:"prompt"`
		Target     string   `json:"target"`
		References []string `json:"references"`
		Choices    []string `json:"choices,omitempty"`
		Gold       *int     `json:"gold,omitempty"`
	}
	p := plain{ID: e.ID, Prompt: e.Prompt, Target: e.Target, References: e.References, Choices: e.Choices}
	if p.References == nil {
		p.References = []string{}
	}
	if len(e.Choices) > 0 {
		g := e.Gold
		p.Gold = &g
	}
	// No HTML escaping here: the caller's encoder applies its own setting
	// (GSM8K's <<48/2=24>> stays readable with SetEscapeHTML(false)).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Text is the full training text, Prompt+Target.
func (e Example) Text() string { return e.Prompt + e.Target }

// DataError is a problem in a data file, located by line (line-based
// formats) or by JSON path (SQuAD's single JSON document). Its message reads
// "file:line: msg", "file:line:col: msg" or "file: $.data[3].paragraphs[0]: msg".
type DataError struct {
	File string
	Line int    // 1-based; 0 when unknown
	Col  int    // 1-based; 0 when unknown
	Path string // JSON path such as $.data[3].paragraphs[0].qas[2]
	Msg  string
}

func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	if e.File != "" || e.Line > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// record is what a loader reads from one example of a file: the values of
// the task's template fields, the answer, the references and, for
// multiple-choice tasks, the endings.
type record struct {
	id      string
	vals    []string // aligned with Info.Fields
	target  string   // the answer trained on (without separator)
	refs    []string
	choices []string // multiple choice: the endings (without separator)
	gold    int
	line    int    // where it came from, for messages
	path    string // JSON path, for SQuAD
}

func (r *record) where() string {
	if r.path != "" {
		return r.path
	}
	return fmt.Sprintf("line %d", r.line)
}
