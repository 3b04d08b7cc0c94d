package tasks

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
)

// HellaSwag: JSON Lines as distributed (hellaswag_{train,val}.jsonl):
//
//	{"ind": 24, "activity_label": "Roof shingle removal", "ctx_a": "...", "ctx_b": "then", "ctx": "...",
//	 "endings": ["...", "...", "...", "..."], "label": 3, "source_id": "...", "split": "val", ...}
//
// Preprocessed exactly as lm-evaluation-harness does (tasks/hellaswag/utils.py):
// query = preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()),
// choices = [preprocess(e) for e in endings], gold = int(label). The label may
// be an integer or a digit string (the Hugging Face copy).

func loadHellaSwag(f files, name, split string) ([]record, error) {
	objs, err := jsonLines(f, name)
	if err != nil {
		return nil, err
	}
	recs := make([]record, 0, len(objs))
	for _, o := range objs {
		id, err := o.id(lineID(split, o.line), "ind", "id")
		if err != nil {
			return nil, err
		}
		label, err := o.need("activity_label")
		if err != nil {
			return nil, err
		}
		ctxA, hasA, err := o.str("ctx_a")
		if err != nil {
			return nil, err
		}
		ctxB, _, err := o.str("ctx_b")
		if err != nil {
			return nil, err
		}
		var ctx string
		if hasA {
			ctx = ctxA + " " + pyCapitalize(ctxB)
		} else {
			c, ok, err := o.str("ctx")
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, o.errorf(`missing "ctx_a"`)
			}
			ctx = c
		}
		endings, ok, err := o.strs("endings")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, o.errorf(`missing "endings"`)
		}
		if len(endings) < 2 {
			return nil, o.errorf(`"endings": want at least 2 endings, got %d`, len(endings))
		}
		choices := make([]string, len(endings))
		for i, e := range endings {
			choices[i] = hellaswagPreprocess(e)
			if choices[i] == "" {
				return nil, o.errorf(`"endings"[%d]: empty ending`, i)
			}
		}
		gold, err := hellaswagLabel(o, len(endings))
		if err != nil {
			return nil, err
		}
		query := hellaswagPreprocess(label + ": " + ctx)
		recs = append(recs, record{
			id:      id,
			vals:    []string{query, hellaswagPreprocess(label), hellaswagPreprocess(ctx)},
			choices: choices,
			gold:    gold,
			line:    o.line,
		})
	}
	return recs, nil
}

func hellaswagLabel(o jsonObject, n int) (int, error) {
	raw, ok := o.m["label"]
	if !ok || isNull(raw) || string(raw) == `""` {
		return 0, o.errorf(`missing "label" (the public HellaSwag test file is unlabelled; use hellaswag_val.jsonl as the test split)`)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var num json.Number
		if json.Unmarshal(raw, &num) != nil {
			return 0, o.errorf(`"label": want an integer, got %s`, jsonKind(raw))
		}
		s = num.String()
	}
	g, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, o.errorf(`"label": want an integer, got %s`, raw)
	}
	if g < 0 || g >= n {
		return 0, o.errorf(`"label": %d is out of range for %d endings`, g, n)
	}
	return g, nil
}

var bracketed = regexp.MustCompile(`\[.*?\]`)

// hellaswagPreprocess is lm-evaluation-harness's preprocess: strip, turn the
// WikiHow " [title]" artifact into ". ", drop any [bracketed] text, and
// replace double spaces once (non-overlapping).
func hellaswagPreprocess(text string) string {
	text = metrics.PyStrip(text)
	text = strings.ReplaceAll(text, " [title]", ". ")
	text = bracketed.ReplaceAllString(text, "")
	text = strings.ReplaceAll(text, "  ", " ")
	return text
}

// pyCapitalize is the str.capitalize the harness applies to ctx_b.
func pyCapitalize(s string) string { return metrics.PyCapitalize(s) }
