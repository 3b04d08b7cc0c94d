package tasks

import (
	"strconv"
	"strings"
)

// DialogSum: JSON Lines, one dialogue per line, as the DialogSum release
// ships it:
//
//	train/dev: {"fname": "train_0", "dialogue": "#Person1#: ...\n#Person2#: ...", "summary": "...", "topic": "..."}
//	test:      {"fname": "test_0", "dialogue": "...", "summary1": "...", "summary2": "...", "summary3": "...", "topic1": ...}
//
// The references are every non-blank summary of the line, trimmed
// ("summary", a "summaries" list, or "summary1", "summary2", ...); the
// target is the first. "id" may stand for "fname" and "dialog" for
// "dialogue". In validation and test files, consecutive lines with the same
// dialogue (the Hugging Face copy repeats a test dialogue once per summary)
// are merged into one example with all their summaries as references.

const maxNumberedSummaries = 20

func loadDialogSum(f files, name, split string) ([]record, error) {
	objs, err := jsonLines(f, name)
	if err != nil {
		return nil, err
	}
	recs := make([]record, 0, len(objs))
	for _, o := range objs {
		id, err := o.id(lineID(split, o.line), "fname", "id")
		if err != nil {
			return nil, err
		}
		dialogue, ok, err := o.str("dialogue")
		if err != nil {
			return nil, err
		}
		if !ok {
			if dialogue, ok, err = o.str("dialog"); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, o.errorf(`missing "dialogue"`)
		}
		if strings.TrimSpace(dialogue) == "" {
			return nil, o.errorf("empty dialogue")
		}
		var refs []string
		add := func(s string) {
			if s = strings.TrimSpace(s); s != "" {
				refs = append(refs, s)
			}
		}
		if raw, ok := o.m["summary"]; ok && jsonKind(raw) == "a list" {
			list, _, err := o.strs("summary")
			if err != nil {
				return nil, err
			}
			for _, s := range list {
				add(s)
			}
		} else {
			s, _, err := o.str("summary")
			if err != nil {
				return nil, err
			}
			add(s)
		}
		list, _, err := o.strs("summaries")
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			add(s)
		}
		for k := 1; k <= maxNumberedSummaries; k++ {
			s, _, err := o.str("summary" + strconv.Itoa(k))
			if err != nil {
				return nil, err
			}
			add(s)
		}
		if len(refs) == 0 {
			return nil, o.errorf(`no summary (want "summary", "summaries" or "summary1", "summary2", ...)`)
		}
		topic, ok, err := o.str("topic")
		if err != nil {
			return nil, err
		}
		if !ok {
			if topic, _, err = o.str("topic1"); err != nil {
				return nil, err
			}
		}
		if split != Train && len(recs) > 0 {
			prev := &recs[len(recs)-1]
			if prev.vals[0] == dialogue {
				prev.refs = append(prev.refs, refs...)
				continue
			}
		}
		recs = append(recs, record{
			id:     id,
			vals:   []string{dialogue, topic},
			target: strings.TrimSpace(refs[0]),
			refs:   refs,
			line:   o.line,
		})
	}
	return recs, nil
}
