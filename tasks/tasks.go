package tasks

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Mode says how a task is evaluated.
type Mode string

const (
	// Generate: greedy generation scored by a metric.
	Generate Mode = "generate"
	// Choice: pick the ending with the highest log-likelihood.
	Choice Mode = "choice"
)

// The three splits a task has.
const (
	Train      = "train"
	Validation = "validation"
	Test       = "test"
)

// Splits lists the split names in their canonical order.
func Splits() []string { return []string{Train, Validation, Test} }

// Info describes a registered task.
type Info struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Metric string `json:"metric"`
	Mode   Mode   `json:"mode"`
	// Twin is the real task a synthetic task imitates ("" for real tasks).
	Twin string `json:"twin,omitempty"`
	// Prompt is the default prompt template (see ParseTemplate).
	Prompt string `json:"prompt"`
	// Fields are the template fields the prompt may use; Target is the
	// field that holds the answer and must come last in a template.
	Fields []string `json:"fields"`
	Target string   `json:"target_field"`
	// Description says in one line what the task is.
	Description string `json:"description"`
}

// Synthetic reports whether the task generates its own data.
func (i Info) Synthetic() bool { return i.Twin != "" }

// Config is one task as a sweep file names it: data files per split, size
// limits, a prompt override, and the generator settings of synthetic
// tasks. Its fields are trainer.TaskSpec's, the task as a worker receives
// it, so the two convert into each other (trainer.TaskSpec(c),
// Config(spec)) with nothing to lose; Metric and Mode are ignored here.
type Config trainer.TaskSpec

// Generator defaults and limits.
const (
	DefaultSize               = 2000
	DefaultEvalSize           = 200
	MaxSize                   = 10_000_000
	MaxDifficulty             = 3
	DefaultValidationFraction = 0.1
)

// task is a registry entry: the public Info plus how to read and make data.
type task struct {
	info Info
	// load reads one split's file(s) into records.
	load func(f files, path, split string) ([]record, error)
	// gen makes a synthetic data set in the twin's format (nil: real task).
	gen func(g genParams) []genSplit
}

var registry = buildRegistry()

func buildRegistry() map[string]*task {
	real := []*task{
		{info: Info{
			Name: "squad", Format: "squad-v1.1-json", Metric: "squad", Mode: Generate,
			Prompt:      "Context: {context}\nQuestion: {question}\nAnswer: {answer}",
			Fields:      []string{"title", "context", "question"},
			Target:      "answer",
			Description: "SQuAD v1.1 extractive question answering (exact match, F1)",
		}, load: loadSQuAD},
		{info: Info{
			Name: "dialogsum", Format: "dialogsum-jsonl", Metric: "rouge", Mode: Generate,
			Prompt:      "Dialogue:\n{dialogue}\nSummary: {summary}",
			Fields:      []string{"dialogue", "topic"},
			Target:      "summary",
			Description: "DialogSum dialogue summarization (ROUGE-L)",
		}, load: loadDialogSum},
		{info: Info{
			Name: "hellaswag", Format: "hellaswag-jsonl", Metric: "accuracy", Mode: Choice,
			Prompt:      "{query} {ending}",
			Fields:      []string{"query", "activity_label", "ctx"},
			Target:      "ending",
			Description: "HellaSwag commonsense NLI: choose the ending by log-likelihood (accuracy)",
		}, load: loadHellaSwag},
		{info: Info{
			Name: "iwslt2017-de-en", Format: "parallel-text", Metric: "bleu", Mode: Generate,
			Prompt:      "German: {source}\nEnglish: {translation}",
			Fields:      []string{"source"},
			Target:      "translation",
			Description: "IWSLT 2017 German to English translation (corpus BLEU)",
		}, load: loadIWSLT},
		{info: Info{
			Name: "gsm8k", Format: "gsm8k-jsonl", Metric: "gsm8k", Mode: Generate,
			Prompt:      "Question: {question}\nAnswer: {answer}",
			Fields:      []string{"question"},
			Target:      "answer",
			Description: "GSM8K grade-school math with worked solutions ending in #### n (accuracy)",
		}, load: loadGSM8K},
	}
	syn := map[string]struct {
		twin, desc string
		gen        func(genParams) []genSplit
	}{
		"syn-squad":     {"squad", "synthetic SQuAD: find a fact's span in a generated paragraph about several people", genSQuAD},
		"syn-dialogsum": {"dialogsum", "synthetic DialogSum: condense a short dialogue into one line", genDialogSum},
		"syn-hellaswag": {"hellaswag", "synthetic HellaSwag: pick the one ending that continues an activity", genHellaSwag},
		"syn-iwslt":     {"iwslt2017-de-en", "synthetic IWSLT: translate a toy verb-final language into English", genIWSLT},
		"syn-gsm8k":     {"gsm8k", "synthetic GSM8K: multi-step arithmetic word problems with worked solutions", genGSM8K},
	}
	reg := make(map[string]*task)
	for _, t := range real {
		reg[t.info.Name] = t
	}
	for name, s := range syn {
		tw := reg[s.twin]
		info := tw.info
		info.Name = name
		info.Twin = s.twin
		info.Description = s.desc
		info.Fields = append([]string(nil), tw.info.Fields...)
		reg[name] = &task{info: info, load: tw.load, gen: s.gen}
	}
	return reg
}

// Names lists the registered tasks, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the task called name.
func Lookup(name string) (Info, bool) {
	t, ok := registry[name]
	if !ok {
		return Info{}, false
	}
	info := t.info
	info.Fields = append([]string(nil), t.info.Fields...)
	return info, true
}

// ErrUnknownTask is wrapped by errors about a task name not in the registry.
var ErrUnknownTask = errors.New("unknown task")

func lookupTask(name string) (*task, error) {
	t, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownTask, name, strings.Join(Names(), ", "))
	}
	return t, nil
}

func validSplit(s string) bool { return s == Train || s == Validation || s == Test }

// Validate checks a task entry of a sweep file without reading any data:
// the name, split names, limits, generator knobs and the prompt template.
// It reports every problem it finds, joined, each prefixed by its field.
func (c Config) Validate() error {
	t, err := lookupTask(c.Name)
	if err != nil {
		return err
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, s := range sortedKeys(c.Data) {
		if !validSplit(s) {
			bad("data: unknown split %q (want train, validation or test)", s)
		} else if strings.TrimSpace(c.Data[s]) == "" {
			bad("data.%s: empty path", s)
		}
	}
	for _, s := range sortedKeys(c.MaxExamples) {
		if !validSplit(s) {
			bad("max_examples: unknown split %q (want train, validation or test)", s)
		} else if c.MaxExamples[s] <= 0 {
			bad("max_examples.%s: must be positive, got %d", s, c.MaxExamples[s])
		}
	}
	if c.Prompt != "" {
		if _, err := ParseTemplate(c.Name, c.Prompt); err != nil {
			bad("prompt: %v", err)
		}
	}
	if c.ValidationFraction < 0 || c.ValidationFraction >= 1 {
		bad("validation_fraction: must be in [0, 1), got %v", c.ValidationFraction)
	}
	if c.Size < 0 || c.Size > MaxSize {
		bad("size: must be between 1 and %d, got %d", MaxSize, c.Size)
	}
	if c.Difficulty < 0 || c.Difficulty > MaxDifficulty {
		bad("difficulty: must be between 1 and %d, got %d", MaxDifficulty, c.Difficulty)
	}
	generated := t.gen != nil && len(c.Data) == 0
	if !generated {
		var knobs []string
		if c.Size != 0 {
			knobs = append(knobs, "size")
		}
		if c.Seed != 0 {
			knobs = append(knobs, "seed")
		}
		if c.Difficulty != 0 {
			knobs = append(knobs, "difficulty")
		}
		if len(knobs) > 0 {
			if t.gen == nil {
				bad("%s: only synthetic tasks have them (%s is read from files)", strings.Join(knobs, ", "), c.Name)
			} else {
				bad("%s: no effect when data files are named", strings.Join(knobs, ", "))
			}
		}
		if len(c.Data) == 0 {
			bad("data: %s reads its data from files; name them under data (train, validation, test)", c.Name)
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
