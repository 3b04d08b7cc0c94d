package torch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// ExportRequest is what writing one attempt's adapters as a Hugging Face
// PEFT LoRA adapter needs (python -m tiedlora_worker.export).
type ExportRequest struct {
	// Python is the interpreter; empty means discovery (Candidates). It
	// needs transformers besides torch.
	Python   string
	CacheDir string
	// SpecPath is the attempt's spec.json.
	SpecPath string
	// Checkpoint is the worker checkpoint; empty means the newest
	// checkpoints/step-N.pt beside the spec.
	Checkpoint string
	Out        string
	// Tensors is "best" (at the best validation loss, what the worker
	// evaluated; the default) or "last".
	Tensors string
	// Model is the base model directory, when not the spec's model.path.
	Model      string
	PythonPath string
}

// ExportResult is the export's summary: the adapter's directory, how many
// modules it adapts, its LoRA rank, its values and the file's size.
type ExportResult struct {
	Out        string `json:"out"`
	Modules    int    `json:"modules"`
	Rank       int    `json:"rank"`
	Params     int64  `json:"params"`
	Bytes      int64  `json:"bytes"`
	Checkpoint string `json:"checkpoint"`
	Tensors    string `json:"tensors"`
}

// ErrNotExportable is wrapped by CheckExportable's errors.
var ErrNotExportable = errors.New("cannot export to PEFT")

// CheckExportable says why a spec's adapters cannot be exported (nil when
// they can): PEFT loads adapters onto Hugging Face models only, so the
// trial must have trained a method on a model directory with a
// config.json that is not a Go trainer base (those hold recipe.json).
func CheckExportable(s *trainer.Spec, model string) error {
	if s.Method == nil || s.Rank <= 0 {
		return fmt.Errorf("%w: trial %s has no adapter method and rank (a command worker's trial?)", ErrNotExportable, s.Trial)
	}
	if model == "" && s.Model != nil {
		model = s.Model.Path
	}
	if model == "" {
		name := "its arch"
		if s.Model != nil && s.Model.Preset != "" {
			name = "preset " + s.Model.Preset
		}
		return fmt.Errorf("%w: trial %s uses the built-in model (%s); export needs a Hugging Face model directory, onto which PEFT loads adapters", ErrNotExportable, s.Trial, name)
	}
	if !isFile(filepath.Join(model, "config.json")) || isFile(filepath.Join(model, "recipe.json")) {
		return fmt.Errorf("%w: trial %s's model %s is not a Hugging Face model directory (no config.json, or a Go trainer base); PEFT loads adapters onto transformers models only", ErrNotExportable, s.Trial, model)
	}
	return nil
}

// AttemptPython is the interpreter an attempt's worker named in its start
// event ("" when it named none or the file cannot be read): the one that
// had torch and transformers when the trial ran.
func AttemptPython(dir string) string {
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var e trainer.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Event == trainer.EventStart {
			return e.Python
		}
	}
	return ""
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Export runs the embedded package's exporter with a python that imports
// torch, and returns its summary. A failure carries the exporter's
// message.
func Export(ctx context.Context, f *Finder, r ExportRequest) (ExportResult, error) {
	if r.SpecPath == "" || r.Out == "" {
		return ExportResult{}, errors.New("export: no spec or output directory")
	}
	python, pp, err := f.locate(ctx, r.Python, r.CacheDir, r.PythonPath)
	if err != nil {
		return ExportResult{}, err
	}
	args := []string{"-m", Package + ".export", "--spec", r.SpecPath, "--out", r.Out}
	if r.Checkpoint != "" {
		args = append(args, "--checkpoint", r.Checkpoint)
	}
	if r.Tensors != "" {
		args = append(args, "--tensors", r.Tensors)
	}
	if r.Model != "" {
		args = append(args, "--model", r.Model)
	}
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+pp, "PYTHONUNBUFFERED=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return ExportResult{}, fmt.Errorf("export failed (%v): %s", err, exportMessage(stderr.String()))
	}
	var res ExportResult
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return ExportResult{}, fmt.Errorf("export: unreadable summary %q: %v", stdout.String(), err)
	}
	return res, nil
}

// exportMessage is the exporter's own message ("export: …") when it wrote
// one, else the end of its stderr (a traceback's last lines).
func exportMessage(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(lines[i], "export: "); ok {
			return msg
		}
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, "\n")
}
