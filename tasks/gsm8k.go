package tasks

import (
	"regexp"
	"strings"
)

// GSM8K: JSON Lines as released (grade-school-math/data/{train,test}.jsonl):
//
//	{"question": "Natalia sold clips to 48 of her friends ...", "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n...\n#### 72"}
//
// The target is the whole worked solution, calculator annotations included,
// as lm-evaluation-harness's doc_to_target has it; the reference is the
// same string, from which the metric extracts the "#### n" answer. An
// answer without a "#### <number>" is an error. Lines have no IDs, so an
// example's ID is its split and line number unless the line has an "id".

var gsm8kAnswer = regexp.MustCompile(`#### (\-?[0-9\.\,]+)`)

func loadGSM8K(f files, name, split string) ([]record, error) {
	objs, err := jsonLines(f, name)
	if err != nil {
		return nil, err
	}
	recs := make([]record, 0, len(objs))
	for _, o := range objs {
		id, err := o.id(lineID(split, o.line), "id")
		if err != nil {
			return nil, err
		}
		q, err := o.need("question")
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(q) == "" {
			return nil, o.errorf("empty question")
		}
		a, err := o.need("answer")
		if err != nil {
			return nil, err
		}
		if !gsm8kAnswer.MatchString(a) {
			return nil, o.errorf(`answer has no final "#### <number>" line`)
		}
		a = strings.TrimSpace(a)
		recs = append(recs, record{
			id:     id,
			vals:   []string{strings.TrimSpace(q)},
			target: a,
			refs:   []string{a},
			line:   o.line,
		})
	}
	return recs, nil
}
