package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// rawCase is one JSON Lines case as written; pointers tell a missing field
// from an empty one, and unknown fields are errors so that a misspelt key
// is not silently read as "no references".
type rawCase struct {
	ID         json.RawMessage `json:"id"`
	Prediction *string         `json:"prediction"`
	References []*string       `json:"references"`
	Logprobs   []float64       `json:"logprobs"`
	Gold       *int            `json:"gold"`
	Choices    []string        `json:"choices"`
}

// ReadCases reads JSON Lines cases from r: one object a line, either
// {"prediction": "...", "references": ["...", ...]} or {"logprobs": [...],
// "gold": k, "choices": [...]}, each with an optional "id". A null
// reference is left out, so cases may have different numbers of
// references. Blank lines are skipped. Errors name the line as name:line.
func ReadCases(r io.Reader, name string) ([]Case, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var cases []Case
	for i, line := range bytes.Split(data, []byte("\n")) {
		where := fmt.Sprintf("%s:%d", name, i+1)
		if len(bytes.TrimFunc(line, pySpace)) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return nil, fmt.Errorf("%s: invalid UTF-8", where)
		}
		c, err := decodeCase(line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		c.Source = where
		cases = append(cases, c)
	}
	return cases, nil
}

func decodeCase(line []byte) (Case, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var raw rawCase
	if err := dec.Decode(&raw); err != nil {
		return Case{}, fmt.Errorf("not a JSON case object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Case{}, errors.New("not a JSON case object: text after the object")
	}
	c := Case{Logprobs: raw.Logprobs, Choices: raw.Choices}
	if len(raw.ID) > 0 {
		var s string
		if json.Unmarshal(raw.ID, &s) == nil {
			c.ID = s
		} else {
			c.ID = string(raw.ID)
		}
	}
	text := raw.Prediction != nil || raw.References != nil
	choice := raw.Logprobs != nil || raw.Gold != nil || raw.Choices != nil
	switch {
	case text && choice:
		return Case{}, errors.New(`a case has either "prediction" and "references" or "logprobs", "gold" and "choices", not both`)
	case text:
		if raw.Prediction == nil {
			return Case{}, errors.New(`no "prediction"`)
		}
		if raw.References == nil {
			return Case{}, errors.New(`no "references"`)
		}
		c.Prediction = *raw.Prediction
		// A null reference is absent, as sacreBLEU skips a None in a
		// reference stream: the case has fewer references (BLEU's
		// signature then says nrefs:var). "" stays an empty reference.
		c.References = make([]string, 0, len(raw.References))
		for _, r := range raw.References {
			if r != nil {
				c.References = append(c.References, *r)
			}
		}
		if len(raw.References) > 0 && len(c.References) == 0 {
			return Case{}, errors.New("every reference is null")
		}
	case choice:
		if raw.Logprobs == nil || raw.Gold == nil || raw.Choices == nil {
			return Case{}, errors.New(`a multiple-choice case needs "logprobs", "gold" and "choices"`)
		}
		// lm-eval only warns about a gold index outside the choices and
		// scores the question wrong; here it is a broken input line.
		n := len(raw.Choices)
		if n == 0 {
			return Case{}, errors.New(`"choices" is empty`)
		}
		if g := *raw.Gold; g < 0 || g >= n {
			return Case{}, fmt.Errorf(`"gold": %d is out of range for %d choices (want 0 to %d)`, g, n, n-1)
		}
		c.Gold = *raw.Gold
	default:
		return Case{}, errors.New(`want "prediction" and "references", or "logprobs", "gold" and "choices"`)
	}
	return c, nil
}

// TextFile is a plain text file of one segment a line.
type TextFile struct {
	Name  string
	Lines []string
}

// ReadTextFile reads r as sacreBLEU's command reads its files: lines end at
// "\n" only, and each line loses its trailing whitespace (Python rstrip).
// A final newline does not start another line.
func ReadTextFile(r io.Reader, name string) (TextFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return TextFile{}, fmt.Errorf("%s: %w", name, err)
	}
	f := TextFile{Name: name}
	if len(data) == 0 {
		return f, nil
	}
	text := strings.TrimSuffix(string(data), "\n")
	for i, line := range strings.Split(text, "\n") {
		if !utf8.ValidString(line) {
			return TextFile{}, fmt.Errorf("%s:%d: invalid UTF-8", name, i+1)
		}
		f.Lines = append(f.Lines, pyRstrip(line))
	}
	return f, nil
}

// CasesFromFiles pairs the lines of a predictions file with those of one or
// more reference files: line i of each reference file is a reference of
// line i of pred. All files must have the same number of lines.
func CasesFromFiles(pred TextFile, refs ...TextFile) ([]Case, error) {
	if len(refs) == 0 {
		return nil, errors.New("no reference file")
	}
	for _, r := range refs {
		if len(r.Lines) != len(pred.Lines) {
			return nil, fmt.Errorf("%s has %d lines but %s has %d: predictions and references must pair up line by line",
				r.Name, len(r.Lines), pred.Name, len(pred.Lines))
		}
	}
	cases := make([]Case, len(pred.Lines))
	for i, p := range pred.Lines {
		c := Case{Prediction: p, References: make([]string, len(refs)), Source: fmt.Sprintf("%s:%d", pred.Name, i+1)}
		for k, r := range refs {
			c.References[k] = r.Lines[i]
		}
		cases[i] = c
	}
	return cases, nil
}
