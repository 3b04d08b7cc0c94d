package serve

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// refCache keeps the references of the last few task splits a trial page
// showed: loading a data set (or generating a synthetic one) takes far
// longer than a page should.
type refCache struct {
	mu    sync.Mutex
	keys  []string // oldest first
	items map[string]map[string]string
}

// refCacheSize is how many task splits the cache keeps.
const refCacheSize = 4

// references reads, for an attempt's predictions of split, each example's
// reference by id, from the task as the attempt's spec.json describes it.
// A command worker's spec without a task, or a task that cannot load,
// has none.
func (c *refCache) references(dir, split string) map[string]string {
	path := filepath.Join(dir, "spec.json")
	if !regular(path) {
		return nil
	}
	spec, err := trainer.ReadSpec(path)
	if err != nil || spec.Task == nil {
		return nil
	}
	js, _ := json.Marshal(spec.Task)
	key := split + "\x00" + string(js)
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.items[key]; ok {
		return m
	}
	exs, err := tasks.Load(tasks.Config(*spec.Task), split)
	if err != nil {
		return nil
	}
	m := make(map[string]string, len(exs))
	for _, x := range exs {
		m[x.ID] = reference(x)
	}
	if c.items == nil {
		c.items = map[string]map[string]string{}
	}
	if len(c.keys) == refCacheSize {
		delete(c.items, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, key)
	c.items[key] = m
	return m
}

// reference is what a prediction is scored against: the references, else
// the target, or for a multiple-choice example the gold choice.
func reference(x tasks.Example) string {
	switch {
	case len(x.Choices) > 0 && x.Gold >= 0 && x.Gold < len(x.Choices):
		return x.Choices[x.Gold]
	case len(x.References) > 0:
		return strings.Join(x.References, " | ")
	}
	return x.Target
}

// predictionSplit reads the split from a predictions file's name,
// predictions-SPLIT-STEP.jsonl.
func predictionSplit(name string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(name, "predictions-"), ".jsonl")
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		return s[:i]
	}
	return s
}
