package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SQuAD v1.1: one JSON document
//
//	{"version": "1.1", "data": [{"title": ..., "paragraphs": [{"context": ...,
//	  "qas": [{"id": ..., "question": ..., "answers": [{"text": ..., "answer_start": N}]}]}]}]}
//
// Every question becomes one example; its answers are the references (the
// official script takes the best over all of them) and the first answer is
// the training target. A file ending in .jsonl holds one question per line
// in the Hugging Face layout instead: {"id", "title", "context",
// "question", "answers": {"text": [...], "answer_start": [...]}}.

type squadDoc struct {
	Data *[]squadArticle `json:"data"`
}

type squadArticle struct {
	Title      string           `json:"title"`
	Paragraphs []squadParagraph `json:"paragraphs"`
}

type squadParagraph struct {
	Context *string   `json:"context"`
	QAs     []squadQA `json:"qas"`
}

type squadQA struct {
	ID           *string       `json:"id"`
	Question     *string       `json:"question"`
	Answers      []squadAnswer `json:"answers"`
	IsImpossible bool          `json:"is_impossible"`
}

type squadAnswer struct {
	Text  *string         `json:"text"`
	Start json.RawMessage `json:"answer_start"`
}

func loadSQuAD(f files, name, split string) ([]record, error) {
	if isJSONL(name) {
		return loadSQuADRows(f, name, split)
	}
	data, err := readText(f, name)
	if err != nil {
		return nil, err
	}
	// A Decoder scans the document once; json.Unmarshal would scan it
	// twice (validity first), a quarter of the time on a large file.
	var doc squadDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	err = dec.Decode(&doc)
	if err == nil {
		end := int(dec.InputOffset())
		if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
			line, col := lineCol(data, int64(len(data)-len(rest)+1))
			return nil, &DataError{File: name, Line: line, Col: col, Msg: "invalid JSON: more than one value (want one SQuAD v1.1 document)"}
		}
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, squadTypeError(name, data, te)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			line, col := lineCol(data, int64(len(data)))
			return nil, &DataError{File: name, Line: line, Col: col, Msg: "invalid JSON: unexpected end of JSON input"}
		}
		return nil, jsonSyntax(name, 1, data, err)
	}
	if doc.Data == nil {
		return nil, &DataError{File: name, Path: "$", Msg: `missing "data" (want a SQuAD v1.1 JSON file)`}
	}
	var recs []record
	var path []byte
	for ai, art := range *doc.Data {
		for pi, par := range art.Paragraphs {
			ppath := fmt.Sprintf("$.data[%d].paragraphs[%d]", ai, pi)
			if par.Context == nil {
				return nil, &DataError{File: name, Path: ppath, Msg: `missing "context"`}
			}
			ctxLen := -1 // in characters, counted once a paragraph
			for qi, qa := range par.QAs {
				path = append(path[:0], ppath...)
				path = append(path, ".qas["...)
				path = strconv.AppendInt(path, int64(qi), 10)
				path = append(path, ']')
				p := string(path)
				answers := make([]string, len(qa.Answers))
				for k, a := range qa.Answers {
					if a.Text == nil {
						return nil, &DataError{File: name, Path: fmt.Sprintf("%s.answers[%d]", p, k), Msg: `missing "text"`}
					}
					answers[k] = *a.Text
				}
				r, err := squadRecord(qa.ID, art.Title, *par.Context, qa.Question, answers, qa.IsImpossible)
				if err != nil {
					return nil, &DataError{File: name, Path: p, Msg: err.Error()}
				}
				for k, a := range qa.Answers {
					if a.Start == nil {
						continue
					}
					if ctxLen < 0 {
						ctxLen = utf8.RuneCountInString(*par.Context)
					}
					if msg := squadStart(a.Start, ctxLen); msg != "" {
						return nil, &DataError{File: name, Path: p, Msg: fmt.Sprintf("question %q: answers[%d].answer_start: %s", r.id, k, msg)}
					}
				}
				r.path = p
				recs = append(recs, r)
			}
		}
	}
	return recs, nil
}

// squadRecord checks one question and builds its record.
func squadRecord(id *string, title, context string, question *string, answers []string, impossible bool) (record, error) {
	switch {
	case id == nil:
		return record{}, errors.New(`missing "id"`)
	case strings.TrimSpace(*id) == "":
		return record{}, errors.New(`empty "id"`)
	case question == nil:
		return record{}, errors.New(`missing "question"`)
	case strings.TrimSpace(*question) == "":
		return record{}, errors.New("empty question")
	case len(answers) == 0 && impossible:
		return record{}, errors.New("question has no answers (SQuAD v2 unanswerable questions are not supported)")
	case len(answers) == 0:
		return record{}, errors.New("question has no answers")
	}
	for k, a := range answers {
		if strings.TrimSpace(a) == "" {
			return record{}, fmt.Errorf("answers[%d]: empty answer text", k)
		}
	}
	return record{
		id:     *id,
		vals:   []string{title, context, strings.TrimSpace(*question)},
		target: strings.TrimSpace(answers[0]),
		refs:   answers,
	}, nil
}

// squadStart checks an answer_start as SQuAD defines it: the character
// offset (a Python string index, in code points) of the answer in the
// context, so an integer from 0 to the context's length. It returns what
// is wrong, or "". The loader does not use the offset, but one out of
// range means a corrupt or misaligned file. The text at the offset is not
// compared: the references are the texts whatever the offset, and files
// edited by hand (this package's fixtures among them) pad or move them.
func squadStart(raw json.RawMessage, ctxLen int) string {
	if isNull(raw) {
		return ""
	}
	var n json.Number // also takes "12", a string: hence the kind first
	if kind := jsonKind(raw); kind != "a number" || json.Unmarshal(raw, &n) != nil {
		return "want an integer, got " + kind
	}
	start, err := strconv.Atoi(n.String())
	switch {
	case err != nil:
		return "want an integer, got " + n.String()
	case start < 0:
		return fmt.Sprintf("%d is negative (want a character offset into the context)", start)
	case start > ctxLen:
		return fmt.Sprintf("%d is past the end of the context (%d characters)", start, ctxLen)
	}
	return ""
}

// squadTypeError finds where in the document a value has the wrong type.
// json.Unmarshal names only the field, so walk the document again, by
// levels, to give the JSON path.
func squadTypeError(name string, data []byte, te *json.UnmarshalTypeError) error {
	if path, msg := squadWalk(data); path != "" {
		return &DataError{File: name, Path: path, Msg: msg}
	}
	return &DataError{File: name, Path: "$." + te.Field, Msg: "want " + te.Type.String() + ", got " + te.Value}
}

func squadWalk(data []byte) (path, msg string) {
	type node = map[string]json.RawMessage
	obj := func(raw json.RawMessage, p string) (node, string, string) {
		var m node
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			return nil, p, "want an object, got " + jsonKind(raw)
		}
		return m, "", ""
	}
	list := func(raw json.RawMessage, p string) ([]json.RawMessage, string, string) {
		if raw == nil || isNull(raw) {
			return nil, "", ""
		}
		var l []json.RawMessage
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, p, "want a list, got " + jsonKind(raw)
		}
		return l, "", ""
	}
	str := func(raw json.RawMessage, p string) (string, string) {
		if raw == nil || isNull(raw) {
			return "", ""
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return p, "want a string, got " + jsonKind(raw)
		}
		return "", ""
	}
	top, p, m := obj(data, "$")
	if p != "" {
		return p, m
	}
	arts, p, m := list(top["data"], "$.data")
	if p != "" {
		return p, m
	}
	for ai, araw := range arts {
		ap := fmt.Sprintf("$.data[%d]", ai)
		art, p, m := obj(araw, ap)
		if p != "" {
			return p, m
		}
		if p, m := str(art["title"], ap+".title"); p != "" {
			return p, m
		}
		pars, p, m := list(art["paragraphs"], ap+".paragraphs")
		if p != "" {
			return p, m
		}
		for pi, praw := range pars {
			pp := fmt.Sprintf("%s.paragraphs[%d]", ap, pi)
			par, p, m := obj(praw, pp)
			if p != "" {
				return p, m
			}
			if p, m := str(par["context"], pp+".context"); p != "" {
				return p, m
			}
			qas, p, m := list(par["qas"], pp+".qas")
			if p != "" {
				return p, m
			}
			for qi, qraw := range qas {
				qp := fmt.Sprintf("%s.qas[%d]", pp, qi)
				qa, p, m := obj(qraw, qp)
				if p != "" {
					return p, m
				}
				for _, k := range []string{"id", "question"} {
					if p, m := str(qa[k], qp+"."+k); p != "" {
						return p, m
					}
				}
				if raw, ok := qa["is_impossible"]; ok && !isNull(raw) {
					var b bool
					if json.Unmarshal(raw, &b) != nil {
						return qp + ".is_impossible", "want a boolean, got " + jsonKind(raw)
					}
				}
				ans, p, m := list(qa["answers"], qp+".answers")
				if p != "" {
					return p, m
				}
				for k, raw := range ans {
					xp := fmt.Sprintf("%s.answers[%d]", qp, k)
					a, p, m := obj(raw, xp)
					if p != "" {
						return p, m
					}
					if p, m := str(a["text"], xp+".text"); p != "" {
						return p, m
					}
				}
			}
		}
	}
	return "", ""
}

func isJSONL(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(n, ".jsonl")
}

// loadSQuADRows reads the one-question-per-line layout of Hugging Face's
// squad data set.
func loadSQuADRows(f files, name, split string) ([]record, error) {
	objs, err := jsonLines(f, name)
	if err != nil {
		return nil, err
	}
	recs := make([]record, 0, len(objs))
	for _, o := range objs {
		id, err := o.id("", "id")
		if err != nil {
			return nil, err
		}
		title, _, err := o.str("title")
		if err != nil {
			return nil, err
		}
		context, ok, err := o.str("context")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, o.errorf(`missing "context"`)
		}
		question, qok, err := o.str("question")
		if err != nil {
			return nil, err
		}
		var answers []string
		var starts []json.RawMessage
		if raw, ok := o.m["answers"]; ok && !isNull(raw) {
			raw = bytes.TrimSpace(raw)
			if len(raw) > 0 && raw[0] == '{' {
				inner := jsonObject{file: o.file, line: o.line}
				if err := json.Unmarshal(raw, &inner.m); err != nil {
					return nil, o.errorf(`"answers": %v`, err)
				}
				texts, _, err := inner.strs("text")
				var de *DataError
				if errors.As(err, &de) {
					return nil, o.errorf(`"answers".%s`, de.Msg)
				}
				answers = texts
				if raw, ok := inner.m["answer_start"]; ok && !isNull(raw) {
					if json.Unmarshal(raw, &starts) != nil {
						return nil, o.errorf(`"answers"."answer_start": want a list of integers, got %s`, jsonKind(raw))
					}
					if len(texts) > 0 && len(starts) != len(texts) {
						return nil, o.errorf(`"answers": %d texts but %d answer_start offsets`, len(texts), len(starts))
					}
				}
			} else {
				return nil, o.errorf(`"answers": want an object {"text": [...], "answer_start": [...]}, got %s`, jsonKind(raw))
			}
		}
		var idp, qp *string
		if id != "" {
			idp = &id
		}
		if qok {
			qp = &question
		}
		r, err := squadRecord(idp, title, context, qp, answers, false)
		if err != nil {
			return nil, o.errorf("%v", err)
		}
		if len(starts) > 0 {
			n := utf8.RuneCountInString(context)
			for k, raw := range starts {
				if msg := squadStart(raw, n); msg != "" {
					return nil, o.errorf(`question %q: "answers"."answer_start"[%d]: %s`, r.id, k, msg)
				}
			}
		}
		r.line = o.line
		recs = append(recs, r)
	}
	return recs, nil
}
