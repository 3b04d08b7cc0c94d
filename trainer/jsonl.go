package trainer

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
)

// JSONLWriter writes values as JSON Lines, buffered: the files workers and
// the runner hand each other (examples, predictions). HTML characters are
// written as they are, as Python's json.dumps writes them.
type JSONLWriter[T any] struct {
	bw     *bufio.Writer
	enc    *json.Encoder
	closer io.Closer // the file CreateJSONL opened, else nil
}

// NewJSONLWriter writes to w; Close flushes but does not close w.
func NewJSONLWriter[T any](w io.Writer) *JSONLWriter[T] {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONLWriter[T]{bw: bw, enc: enc}
}

// CreateJSONL creates (or truncates) path; Close flushes and closes it.
func CreateJSONL[T any](path string) (*JSONLWriter[T], error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := NewJSONLWriter[T](f)
	w.closer = f
	return w, nil
}

// Write appends one value as one line.
func (w *JSONLWriter[T]) Write(v T) error { return w.enc.Encode(v) }

// Close flushes what is buffered and closes the file CreateJSONL opened.
// It must be called, also after a failed Write, to release the file.
func (w *JSONLWriter[T]) Close() error {
	err := w.bw.Flush()
	if w.closer != nil {
		err = errors.Join(err, w.closer.Close())
		w.closer = nil
	}
	return err
}

// WriteJSONL writes vs to path, one a line.
func WriteJSONL[T any](path string, vs []T) error {
	w, err := CreateJSONL[T](path)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if err := w.Write(v); err != nil {
			return errors.Join(err, w.Close())
		}
	}
	return w.Close()
}
