package torch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// ExamplesDir is where the worker reads the task's examples, relative to
// the attempt directory: one <split>.jsonl per split, each line one
// normalised example as `sweep tasks show --json` prints it.
const ExamplesDir = "examples"

// examplesVersion changes the cache key when the file layout changes.
const examplesVersion = 1

// examplesKey names a task's examples in the cache: its config and, for
// each data file, its path, size and modification time, so an edited file
// gives new examples.
func examplesKey(cfg tasks.Config) (string, error) {
	h := sha256.New()
	cfg.Metric, cfg.Mode = "", "" // how the task is scored does not change its examples
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "v%d\x00%s\x00", examplesVersion, b)
	splits := make([]string, 0, len(cfg.Data))
	for s := range cfg.Data {
		splits = append(splits, s)
	}
	sort.Strings(splits)
	for _, s := range splits {
		fi, err := os.Stat(cfg.Data[s])
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00", s, cfg.Data[s], fi.Size(), fi.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// WriteExamples loads every split of the task (tasks.LoadAll: the same
// loaders, carving and limits as the Go trainer and the scorer), writes
// them once to <cacheDir>/examples/<key>/<split>.jsonl, and links
// <attemptDir>/examples to that directory (a copy where links fail).
func WriteExamples(cfg tasks.Config, cacheDir, attemptDir string) error {
	key, err := examplesKey(cfg)
	if err != nil {
		return fmt.Errorf("task %s: %w", cfg.Name, err)
	}
	root := filepath.Join(cacheDir, "examples")
	dir := filepath.Join(root, key)
	if _, err := os.Stat(dir); err != nil {
		if err := writeSplits(cfg, root, dir); err != nil {
			return err
		}
	}
	link := filepath.Join(attemptDir, ExamplesDir)
	if err := os.Symlink(dir, link); err == nil || os.IsExist(err) {
		return nil
	}
	return copyDir(dir, link)
}

func writeSplits(cfg tasks.Config, root, dir string) error {
	data, err := tasks.LoadAll(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, ".writing-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for split, exs := range data {
		if err := trainer.WriteJSONL(filepath.Join(tmp, split+".jsonl"), exs); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(dir); serr == nil {
			return nil // written by a concurrent attempt
		}
		return err
	}
	return nil
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
