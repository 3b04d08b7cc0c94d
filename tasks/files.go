package tasks

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// files is where loaders read from: the file system, or the in-memory files
// of a generated synthetic set.
type files interface {
	ReadFile(name string) ([]byte, error)
	Exists(name string) bool
}

type osFiles struct{}

// ReadFile reads a file, decompressing it when its name ends in .gz.
func (osFiles) ReadFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil || !strings.HasSuffix(name, ".gz") {
		return data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, &DataError{File: name, Msg: "not a gzip file: " + err.Error()}
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, &DataError{File: name, Msg: "bad gzip data: " + err.Error()}
	}
	return out, nil
}

func (osFiles) Exists(name string) bool {
	st, err := os.Stat(name)
	return err == nil && !st.IsDir()
}

type memFiles map[string][]byte

func (m memFiles) ReadFile(name string) ([]byte, error) {
	b, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return b, nil
}

func (m memFiles) Exists(name string) bool { _, ok := m[name]; return ok }

// readText reads a text file and checks that it is UTF-8, dropping a
// leading byte-order mark.
func readText(f files, name string) ([]byte, error) {
	data, err := f.ReadFile(name)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		n := 0
		for line := range bytes.Lines(data) {
			n++
			if !utf8.Valid(line) {
				return nil, &DataError{File: name, Line: n, Msg: "invalid UTF-8"}
			}
		}
	}
	return data, nil
}

// textLine is one line of a text file, without its line ending (\n or \r\n).
type textLine struct {
	n    int // 1-based
	text []byte
}

// splitLines splits data into lines, dropping "\n" and a "\r" before it.
func splitLines(data []byte) []textLine {
	var out []textLine
	n := 0
	for len(data) > 0 {
		n++
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		out = append(out, textLine{n: n, text: line})
	}
	return out
}

func blank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// jsonObject is one decoded JSON object with its location, for messages.
type jsonObject struct {
	file string
	line int
	path string
	m    map[string]json.RawMessage
}

// jsonLines decodes a JSON Lines file into objects; blank lines are skipped.
func jsonLines(f files, name string) ([]jsonObject, error) {
	data, err := readText(f, name)
	if err != nil {
		return nil, err
	}
	var out []jsonObject
	for _, l := range splitLines(data) {
		if blank(l.text) {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(l.text, &m); err != nil {
			return nil, jsonSyntax(name, l.n, l.text, err)
		}
		if m == nil {
			return nil, &DataError{File: name, Line: l.n, Msg: "want a JSON object, got null"}
		}
		out = append(out, jsonObject{file: name, line: l.n, m: m})
	}
	return out, nil
}

// jsonSyntax turns a decoding error for a JSON text starting at line
// firstLine into a DataError with the line and column of the problem.
func jsonSyntax(name string, firstLine int, text []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(text, se.Offset)
		return &DataError{File: name, Line: firstLine + line - 1, Col: col, Msg: "invalid JSON: " + se.Error()}
	case errors.As(err, &te):
		return &DataError{File: name, Line: firstLine, Msg: "want a JSON object, got " + te.Value}
	}
	return &DataError{File: name, Line: firstLine, Msg: "invalid JSON: " + err.Error()}
}

// lineCol converts a byte offset (as json.SyntaxError reports it: the bytes
// read so far) to a 1-based line and column (in characters).
func lineCol(text []byte, off int64) (int, int) {
	if off >= int64(len(text)) {
		off = int64(len(text)) // the end of the input
	} else if off > 0 {
		off-- // the offending byte
	}
	before := text[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

func (o jsonObject) errorf(format string, a ...any) error {
	return &DataError{File: o.file, Line: o.line, Path: o.path, Msg: fmt.Sprintf(format, a...)}
}

// jsonKind names the type of a raw JSON value.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// str returns the string field key; ok is false when it is absent or null.
func (o jsonObject) str(key string) (s string, ok bool, err error) {
	raw, present := o.m[key]
	if !present || isNull(raw) {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, o.errorf("%q: want a string, got %s", key, jsonKind(raw))
	}
	return s, true, nil
}

// need returns the string field key, which must be present.
func (o jsonObject) need(key string) (string, error) {
	s, ok, err := o.str(key)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", o.errorf("missing %q", key)
	}
	return s, nil
}

// strs returns the list-of-strings field key; ok is false when absent or null.
func (o jsonObject) strs(key string) (ss []string, ok bool, err error) {
	raw, present := o.m[key]
	if !present || isNull(raw) {
		return nil, false, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, false, o.errorf("%q: want a list of strings, got %s", key, jsonKind(raw))
	}
	ss = make([]string, len(list))
	for i, item := range list {
		if err := json.Unmarshal(item, &ss[i]); err != nil {
			return nil, false, o.errorf("%q[%d]: want a string, got %s", key, i, jsonKind(item))
		}
	}
	return ss, true, nil
}

// id returns the example ID from the first present field of keys (a string
// or an integer), or fallback when none is present.
func (o jsonObject) id(fallback string, keys ...string) (string, error) {
	for _, k := range keys {
		raw, ok := o.m[k]
		if !ok || isNull(raw) {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if strings.TrimSpace(s) == "" {
				return "", o.errorf("%q: empty id", k)
			}
			return s, nil
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
				return n.String(), nil
			}
		}
		return "", o.errorf("%q: want a string or an integer id, got %s", k, jsonKind(raw))
	}
	return fallback, nil
}

// lineID is the ID of an example from a file without IDs: the split and the
// line (or sequence) number.
func lineID(split string, n int) string { return split + "-" + strconv.Itoa(n) }

// checkIDs rejects a file in which two examples share an ID: predictions
// are matched to references by ID.
func checkIDs(name string, recs []record) error {
	seen := make(map[string]int, len(recs))
	for i := range recs {
		r := &recs[i]
		if j, dup := seen[r.id]; dup {
			e := &DataError{File: name, Line: r.line, Path: r.path,
				Msg: fmt.Sprintf("duplicate id %q (also at %s)", r.id, recs[j].where())}
			return e
		}
		seen[r.id] = i
	}
	return nil
}

// jsonUnmarshalObject decodes a JSON object; null or any other type fails.
func jsonUnmarshalObject(raw json.RawMessage, m *map[string]json.RawMessage) error {
	if err := json.Unmarshal(raw, m); err != nil {
		return err
	}
	if *m == nil {
		return errors.New("null")
	}
	return nil
}
