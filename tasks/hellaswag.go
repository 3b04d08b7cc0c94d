package tasks

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	text = strings.TrimFunc(text, pySpace)
	text = strings.ReplaceAll(text, " [title]", ". ")
	text = bracketed.ReplaceAllString(text, "")
	text = strings.ReplaceAll(text, "  ", " ")
	return text
}

// pySpace is Python's str.isspace: Go's unicode.IsSpace plus U+001C-U+001F.
func pySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// pyCapitalize is Python 3's str.capitalize: the first character in (full)
// title case, the rest in (full) lower case, with Greek final sigma.
func pyCapitalize(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	first, size := utf8.DecodeRuneInString(s)
	if t, ok := specialTitle[first]; ok {
		b.WriteString(t)
	} else {
		b.WriteRune(unicode.ToTitle(first))
	}
	rest := s[size:]
	for i, r := range rest {
		switch {
		case r == 'İ':
			b.WriteString("i\u0307")
		case r == 'Σ':
			if finalSigma(s, size+i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// specialTitle holds the title-case mappings of Unicode's SpecialCasing.txt
// that are not one rune to one rune (Go's unicode.ToTitle covers the rest).
var specialTitle = map[rune]string{
	0x00DF: "\u0053\u0073",       // ß
	0xFB00: "\u0046\u0066",       // ﬀ
	0xFB01: "\u0046\u0069",       // ﬁ
	0xFB02: "\u0046\u006C",       // ﬂ
	0xFB03: "\u0046\u0066\u0069", // ﬃ
	0xFB04: "\u0046\u0066\u006C", // ﬄ
	0xFB05: "\u0053\u0074",       // ﬅ
	0xFB06: "\u0053\u0074",       // ﬆ
	0x0587: "\u0535\u0582",       // և
	0xFB13: "\u0544\u0576",       // ﬓ
	0xFB14: "\u0544\u0565",       // ﬔ
	0xFB15: "\u0544\u056B",       // ﬕ
	0xFB16: "\u054E\u0576",       // ﬖ
	0xFB17: "\u0544\u056D",       // ﬗ
	0x0149: "\u02BC\u004E",       // ŉ
	0x0390: "\u0399\u0308\u0301", // ΐ
	0x03B0: "\u03A5\u0308\u0301", // ΰ
	0x01F0: "\u004A\u030C",       // ǰ
	0x1E96: "\u0048\u0331",       // ẖ
	0x1E97: "\u0054\u0308",       // ẗ
	0x1E98: "\u0057\u030A",       // ẘ
	0x1E99: "\u0059\u030A",       // ẙ
	0x1E9A: "\u0041\u02BE",       // ẚ
	0x1F50: "\u03A5\u0313",       // ὐ
	0x1F52: "\u03A5\u0313\u0300", // ὒ
	0x1F54: "\u03A5\u0313\u0301", // ὔ
	0x1F56: "\u03A5\u0313\u0342", // ὖ
	0x1FB6: "\u0391\u0342",       // ᾶ
	0x1FC6: "\u0397\u0342",       // ῆ
	0x1FD2: "\u0399\u0308\u0300", // ῒ
	0x1FD3: "\u0399\u0308\u0301", // ΐ
	0x1FD6: "\u0399\u0342",       // ῖ
	0x1FD7: "\u0399\u0308\u0342", // ῗ
	0x1FE2: "\u03A5\u0308\u0300", // ῢ
	0x1FE3: "\u03A5\u0308\u0301", // ΰ
	0x1FE4: "\u03A1\u0313",       // ῤ
	0x1FE6: "\u03A5\u0342",       // ῦ
	0x1FE7: "\u03A5\u0308\u0342", // ῧ
	0x1FF6: "\u03A9\u0342",       // ῶ
	0x1FB2: "\u1FBA\u0345",       // ᾲ
	0x1FB4: "\u0386\u0345",       // ᾴ
	0x1FC2: "\u1FCA\u0345",       // ῂ
	0x1FC4: "\u0389\u0345",       // ῄ
	0x1FF2: "\u1FFA\u0345",       // ῲ
	0x1FF4: "\u038F\u0345",       // ῴ
	0x1FB7: "\u0391\u0342\u0345", // ᾷ
	0x1FC7: "\u0397\u0342\u0345", // ῇ
	0x1FF7: "\u03A9\u0342\u0345", // ῷ
}

// finalSigma applies Unicode's Final_Sigma condition to the Σ at byte i of
// s: a cased letter before it and none after it, skipping case-ignorable
// characters, as CPython's lower() does.
func finalSigma(s string, i int) bool {
	j := i
	before := false
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if caseIgnorable(r) {
			continue
		}
		before = cased(r)
		break
	}
	if !before {
		return false
	}
	for _, r := range s[i+len("Σ"):] {
		if caseIgnorable(r) {
			continue
		}
		return !cased(r)
	}
	return true
}

func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xB7, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
