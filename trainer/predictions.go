package trainer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Prediction is one line of a predictions file (the `predictions` event's
// path): what a worker made of one example, which the runner scores with
// the task's metric. A generation task has Prediction, a multiple-choice
// task ChoiceLogprobs (the log-likelihood of each choice, in the
// example's order); exactly one is set.
type Prediction struct {
	ID             string    `json:"id"`
	Prediction     *string   `json:"prediction,omitempty"`
	ChoiceLogprobs []float64 `json:"choice_logprobs,omitempty"`
}

// Generated and Choice make the two forms of a prediction.
func Generated(id, text string) Prediction { return Prediction{ID: id, Prediction: &text} }

func Choice(id string, logprobs []float64) Prediction {
	return Prediction{ID: id, ChoiceLogprobs: logprobs}
}

// Check says what is wrong with a prediction, if anything.
func (p Prediction) Check() error {
	switch {
	case p.ID == "":
		return errors.New(`a prediction needs an "id"`)
	case p.Prediction != nil && p.ChoiceLogprobs != nil:
		return errors.New(`a prediction has "prediction" or "choice_logprobs", not both`)
	case p.Prediction == nil && p.ChoiceLogprobs == nil:
		return errors.New(`a prediction needs "prediction" or "choice_logprobs"`)
	case p.ChoiceLogprobs != nil && len(p.ChoiceLogprobs) == 0:
		return errors.New(`"choice_logprobs" is empty`)
	}
	return nil
}

// PredictionWriter streams a predictions file.
type PredictionWriter struct{ w *JSONLWriter[Prediction] }

// NewPredictionWriter writes predictions to w; Close flushes them.
func NewPredictionWriter(w io.Writer) *PredictionWriter {
	return &PredictionWriter{NewJSONLWriter[Prediction](w)}
}

// CreatePredictions creates a predictions file; Close closes it.
func CreatePredictions(path string) (*PredictionWriter, error) {
	w, err := CreateJSONL[Prediction](path)
	if err != nil {
		return nil, err
	}
	return &PredictionWriter{w}, nil
}

// Write appends p, refusing one that Check rejects.
func (pw *PredictionWriter) Write(p Prediction) error {
	if err := p.Check(); err != nil {
		return fmt.Errorf("%w (id %q)", err, p.ID)
	}
	return pw.w.Write(p)
}

// Close flushes the predictions and closes the file CreatePredictions
// opened.
func (pw *PredictionWriter) Close() error { return pw.w.Close() }

// MaxPredictionLine is the longest line a PredictionReader accepts.
const MaxPredictionLine = 16 << 20

// PredictionReader streams a predictions file. Blank lines are skipped;
// any other line that is not a valid Prediction is an error naming the
// file and line.
type PredictionReader struct {
	sc   *bufio.Scanner
	name string
	line int
}

// NewPredictionReader reads predictions from r; name (the file's path)
// starts every error message.
func NewPredictionReader(r io.Reader, name string) *PredictionReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxPredictionLine)
	return &PredictionReader{sc: sc, name: name}
}

// Next returns the next prediction, and io.EOF after the last.
func (pr *PredictionReader) Next() (Prediction, error) {
	for pr.sc.Scan() {
		pr.line++
		b := pr.sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var p Prediction
		if err := json.Unmarshal(b, &p); err != nil {
			return Prediction{}, fmt.Errorf("%s: not a prediction: %v", pr.Pos(), err)
		}
		if err := p.Check(); err != nil {
			return Prediction{}, fmt.Errorf("%s: %v", pr.Pos(), err)
		}
		return p, nil
	}
	if err := pr.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Prediction{}, fmt.Errorf("%s:%d: a line longer than %d bytes", pr.name, pr.line+1, MaxPredictionLine)
		}
		return Prediction{}, fmt.Errorf("%s:%d: %w", pr.name, pr.line+1, err)
	}
	return Prediction{}, io.EOF
}

// Pos is "file:line" of the prediction Next returned last.
func (pr *PredictionReader) Pos() string { return fmt.Sprintf("%s:%d", pr.name, pr.line) }
