package tasks

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// IWSLT 2017 de-en, in any of the forms it is found on disk:
//
//   - parallel plain text: name the German file (train.tags.de-en.de, or
//     any NAME.de) and the English file beside it (NAME.en) is read with
//     it, line by line; naming NAME.en or the bare prefix NAME works too.
//     Lines that are IWSLT metadata tags in both files (<url>, <talkid>,
//     <title>, ...) and lines blank in both are skipped.
//   - the IWSLT XML of the dev and test sets (IWSLT17.TED.dev2010.de-en.de.xml
//     with its .en.xml twin): <doc docid="..."><seg id="N">...</seg>, matched
//     by document and segment id.
//   - TSV (.tsv): German<TAB>English[<TAB>more English references]; a first
//     line "de<TAB>en" or "source<TAB>target" is a header.
//   - JSON Lines (.jsonl): {"translation": {"de": ..., "en": ...}} as the
//     Hugging Face iwslt2017 set has it, or {"de": ..., "en": ...}.
//
// Files may be gzipped (.gz).

func loadIWSLT(f files, name, split string) ([]record, error) {
	base := strings.ToLower(strings.TrimSuffix(name, ".gz"))
	switch {
	case strings.HasSuffix(base, ".tsv"):
		return loadTSV(f, name, split)
	case strings.HasSuffix(base, ".jsonl"):
		return loadTranslationJSONL(f, name, split)
	}
	src, tgt, err := pairPaths(f, name)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(strings.ToLower(strings.TrimSuffix(src, ".gz")), ".xml") {
		return loadIWSLTXML(f, src, tgt)
	}
	return loadParallel(f, src, tgt, split)
}

// pairPaths finds the German and English files of a parallel pair from the
// name of either, or from their common prefix.
func pairPaths(f files, name string) (src, tgt string, err error) {
	stem, gz := name, ""
	if strings.HasSuffix(stem, ".gz") {
		stem, gz = strings.TrimSuffix(stem, ".gz"), ".gz"
	}
	ext := ""
	if strings.HasSuffix(strings.ToLower(stem), ".xml") {
		stem, ext = stem[:len(stem)-4], stem[len(stem)-4:]
	}
	switch {
	case strings.HasSuffix(stem, ".de"):
		src, tgt = name, stem[:len(stem)-3]+".en"+ext+gz
	case strings.HasSuffix(stem, ".en"):
		src, tgt = stem[:len(stem)-3]+".de"+ext+gz, name
	default:
		src, tgt = stem+".de"+ext+gz, stem+".en"+ext+gz
		if !f.Exists(src) && !f.Exists(tgt) && f.Exists(name) {
			return "", "", &DataError{File: name, Msg: "cannot tell the format: want NAME.de with NAME.en beside it, .xml, .tsv or .jsonl"}
		}
	}
	if !f.Exists(src) {
		return "", "", &DataError{File: name, Msg: "German side not found: want " + src}
	}
	if !f.Exists(tgt) {
		return "", "", &DataError{File: name, Msg: "English side not found: want " + tgt}
	}
	return src, tgt, nil
}

// isTag reports whether a line is an IWSLT metadata line such as
// <talkid>535</talkid>.
func isTag(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 1 && t[0] == '<' && t[len(t)-1] == '>'
}

func loadParallel(f files, src, tgt, split string) ([]record, error) {
	sdata, err := readText(f, src)
	if err != nil {
		return nil, err
	}
	tdata, err := readText(f, tgt)
	if err != nil {
		return nil, err
	}
	sl, tl := splitLines(sdata), splitLines(tdata)
	if len(sl) != len(tl) {
		return nil, &DataError{File: tgt, Msg: fmt.Sprintf("has %d lines but %s has %d; parallel files must align line by line", len(tl), src, len(sl))}
	}
	recs := make([]record, 0, len(sl))
	for i := range sl {
		s, t := sl[i].text, tl[i].text
		if (blank(s) && blank(t)) || (isTag(s) && isTag(t)) {
			continue
		}
		de := strings.TrimSpace(string(s))
		en := strings.TrimSpace(string(t))
		recs = append(recs, record{
			id:     lineID(split, sl[i].n),
			vals:   []string{de},
			target: en,
			refs:   []string{en},
			line:   sl[i].n,
		})
	}
	return recs, nil
}

type xmlSeg struct {
	doc, id, text string
	line          int
}

// readSegs reads the <seg> elements of an IWSLT/mteval XML file in order.
func readSegs(f files, name string) ([]xmlSeg, error) {
	data, err := readText(f, name)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var segs []xmlSeg
	var doc string
	var cur *xmlSeg
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &DataError{File: name, Line: se.Line, Msg: "invalid XML: " + se.Msg}
			}
			line, _ := dec.InputPos()
			return nil, &DataError{File: name, Line: line, Msg: "invalid XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "doc":
				doc = attr(t, "docid")
			case "seg":
				line, _ := dec.InputPos()
				id := attr(t, "id")
				if id == "" {
					return nil, &DataError{File: name, Line: line, Msg: `<seg> without an id attribute`}
				}
				cur = &xmlSeg{doc: doc, id: id, line: line}
				text.Reset()
			}
		case xml.CharData:
			if cur != nil {
				text.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "seg":
				if cur != nil {
					cur.text = strings.TrimSpace(text.String())
					segs = append(segs, *cur)
					cur = nil
				}
			case "doc":
				doc = ""
			}
		}
	}
	return segs, nil
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

func segKey(s xmlSeg) string { return s.doc + ":" + s.id }

func loadIWSLTXML(f files, src, tgt string) ([]record, error) {
	ss, err := readSegs(f, src)
	if err != nil {
		return nil, err
	}
	ts, err := readSegs(f, tgt)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]xmlSeg, len(ts))
	for _, t := range ts {
		k := segKey(t)
		if prev, dup := byKey[k]; dup {
			return nil, &DataError{File: tgt, Line: t.line, Msg: fmt.Sprintf("duplicate <seg id=%q> in doc %q (also at line %d)", t.id, t.doc, prev.line)}
		}
		byKey[k] = t
	}
	recs := make([]record, 0, len(ss))
	for _, s := range ss {
		t, ok := byKey[segKey(s)]
		if !ok {
			return nil, &DataError{File: tgt, Msg: fmt.Sprintf("no <seg id=%q> in doc %q (the German side has it at %s:%d)", s.id, s.doc, src, s.line)}
		}
		id := s.id
		if s.doc != "" {
			id = segKey(s)
		}
		recs = append(recs, record{id: id, vals: []string{s.text}, target: t.text, refs: []string{t.text}, line: s.line})
	}
	if len(ts) != len(ss) {
		return nil, &DataError{File: tgt, Msg: fmt.Sprintf("has %d segments but %s has %d", len(ts), src, len(ss))}
	}
	return recs, nil
}

var tsvHeaders = map[string]bool{"de\ten": true, "source\ttarget": true, "src\ttgt": true, "german\tenglish": true}

func loadTSV(f files, name, split string) ([]record, error) {
	data, err := readText(f, name)
	if err != nil {
		return nil, err
	}
	var recs []record
	first := true
	for _, l := range splitLines(data) {
		if blank(l.text) {
			continue
		}
		line := string(l.text)
		if first {
			first = false
			if tsvHeaders[strings.ToLower(strings.TrimSpace(line))] {
				continue
			}
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2 {
			return nil, &DataError{File: name, Line: l.n, Msg: "want German<TAB>English, found no tab"}
		}
		var refs []string
		for _, c := range cols[1:] {
			if c = strings.TrimSpace(c); c != "" {
				refs = append(refs, c)
			}
		}
		if len(refs) == 0 {
			return nil, &DataError{File: name, Line: l.n, Msg: "empty English side"}
		}
		recs = append(recs, record{
			id:     lineID(split, l.n),
			vals:   []string{strings.TrimSpace(cols[0])},
			target: refs[0],
			refs:   refs,
			line:   l.n,
		})
	}
	return recs, nil
}

func loadTranslationJSONL(f files, name, split string) ([]record, error) {
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
		pair := o
		if raw, ok := o.m["translation"]; ok {
			pair = jsonObject{file: o.file, line: o.line}
			if err := jsonUnmarshalObject(raw, &pair.m); err != nil {
				return nil, o.errorf(`"translation": want an object {"de": ..., "en": ...}, got %s`, jsonKind(raw))
			}
		}
		de, err := pair.need("de")
		if err != nil {
			return nil, err
		}
		en, err := pair.need("en")
		if err != nil {
			return nil, err
		}
		en = strings.TrimSpace(en)
		recs = append(recs, record{id: id, vals: []string{strings.TrimSpace(de)}, target: en, refs: []string{en}, line: o.line})
	}
	return recs, nil
}
