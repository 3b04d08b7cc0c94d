package tasks

import (
	"fmt"
	"strings"
)

// Template is a parsed prompt template. Placeholders are {field}; {{ and }}
// stand for literal braces. The task's target field (e.g. {answer}) must
// appear exactly once, at the very end: everything before it is the prompt,
// and the whitespace directly before it (e.g. the space in "Answer: {answer}")
// is the separator that starts the target, as lm-evaluation-harness's
// target_delimiter does.
type Template struct {
	text  string
	parts []part // the prompt part, without the separator
	sep   string
}

type part struct {
	lit   string
	field int // index into Info.Fields, -1 for a literal
}

// ParseTemplate parses text as a prompt template for the task called name.
func ParseTemplate(name, text string) (*Template, error) {
	t, err := lookupTask(name)
	if err != nil {
		return nil, err
	}
	return parseTemplate(t.info, text)
}

func parseTemplate(info Info, text string) (*Template, error) {
	tp := &Template{text: text}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			tp.parts = append(tp.parts, part{lit: lit.String(), field: -1})
			lit.Reset()
		}
	}
	targetSeen := false
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '{' && strings.HasPrefix(text[i:], "{{"):
			lit.WriteByte('{')
			i += 2
		case c == '}' && strings.HasPrefix(text[i:], "}}"):
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return nil, fmt.Errorf("unmatched } at byte %d (write }} for a literal brace)", i)
		case c == '{':
			end := strings.IndexByte(text[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed { at byte %d", i)
			}
			name := strings.TrimSpace(text[i+1 : i+end])
			i += end + 1
			if targetSeen {
				return nil, fmt.Errorf("the target field {%s} must come last, found {%s} after it", info.Target, name)
			}
			if name == info.Target {
				targetSeen = true
				// The whitespace right before the target is the separator.
				l := lit.String()
				trimmed := strings.TrimRight(l, " \t\n")
				tp.sep = l[len(trimmed):]
				lit.Reset()
				lit.WriteString(trimmed)
				flush()
				continue
			}
			idx := -1
			for k, f := range info.Fields {
				if f == name {
					idx = k
				}
			}
			if idx < 0 {
				return nil, fmt.Errorf("unknown field {%s} for %s (fields: %s; target {%s} last)",
					name, info.Name, strings.Join(info.Fields, ", "), info.Target)
			}
			flush()
			tp.parts = append(tp.parts, part{field: idx})
		default:
			if targetSeen {
				return nil, fmt.Errorf("the target field {%s} must come last, found text %q after it", info.Target, text[i:])
			}
			lit.WriteByte(c)
			i++
		}
	}
	if !targetSeen {
		return nil, fmt.Errorf("the template must end with the target field {%s}", info.Target)
	}
	return tp, nil
}

// String returns the template's text.
func (t *Template) String() string { return t.text }

// Separator returns the whitespace that starts every target.
func (t *Template) Separator() string { return t.sep }

func (t *Template) prompt(vals []string) string {
	n := 0
	for _, p := range t.parts {
		if p.field < 0 {
			n += len(p.lit)
		} else {
			n += len(vals[p.field])
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range t.parts {
		if p.field < 0 {
			b.WriteString(p.lit)
		} else {
			b.WriteString(vals[p.field])
		}
	}
	return b.String()
}

// example renders a record through the template.
func (t *Template) example(r *record) Example {
	e := Example{ID: r.id, Prompt: t.prompt(r.vals)}
	if r.choices != nil {
		e.Choices = make([]string, len(r.choices))
		for i, c := range r.choices {
			e.Choices[i] = t.sep + c
		}
		e.Gold = r.gold
		e.sep = t.sep
		e.Target = e.Choices[r.gold]
		e.References = []string{r.choices[r.gold]}
		return e
	}
	e.Target = t.sep + r.target
	e.References = r.refs
	return e
}
