package gotrain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/safetensors"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// Files of a base model directory, <cache>/base/<key>/.
const (
	baseWeights   = "model.safetensors"
	baseTokenizer = "tokenizer.json"
	baseRecipe    = "recipe.json"
)

// DefaultCacheDir is $XDG_CACHE_HOME/tiedlora-sweep, or
// ~/.cache/tiedlora-sweep.
func DefaultCacheDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "tiedlora-sweep"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "tiedlora-sweep"), nil
}

// Base is a pretrained base model and its tokenizer.
type Base struct {
	Model *model.Model[float32]
	Tok   *tokenizer.BPE
	Dir   string
	// Built is true when this call pretrained it, false when it was read
	// from the cache.
	Built bool
}

// LoadOrPretrain returns the base model of recipe r from cacheDir, or
// pretrains it there first. A lock file makes concurrent trials that need
// the same base wait for one pretraining instead of repeating it; the
// directory appears whole (written aside, then renamed). waiting, if not
// nil, is called once when another trial holds the lock.
func LoadOrPretrain(ctx context.Context, cacheDir string, r Recipe, be mm.Backend, waiting func(), progress Progress) (*Base, error) {
	root := filepath.Join(cacheDir, "base")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, r.Key())
	unlock, err := lockFile(ctx, dir+".lock", waiting)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if b, err := loadBase(dir, be); err == nil {
		return b, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cached base model %s: %w", dir, err)
	}
	if ShippedBase(r.Key()) {
		return installShipped(root, dir, r.Key(), be)
	}
	// Pretraining happens once per recipe while the trials that need the
	// base wait on the lock, so it takes every core this process may use
	// (the CPU affinity mask, which Slurm sets), not only the trial's
	// share. With the pure-Go backend the result does not depend on the
	// thread count, since no sum is split across goroutines (packages nn
	// and mm); OpenBLAS's kernels round differently by block shape, so
	// there it depends on the core count, as any OpenBLAS run does.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(runtime.NumCPU()))
	m, tok, err := buildBase(ctx, r, be, progress)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(root, ".building-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := saveBase(tmp, m, tok, r); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it private
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return &Base{Model: m, Tok: tok, Dir: dir, Built: true}, nil
}

// installShipped puts the shipped base of key into the cache, written
// aside and renamed as a pretrained one is, and loads it.
func installShipped(root, dir, key string, be mm.Backend) (*Base, error) {
	tmp, err := os.MkdirTemp(root, ".installing-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := copyShipped(key, tmp); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return loadBase(dir, be)
}

func saveBase(dir string, m *model.Model[float32], tok *tokenizer.BPE, r Recipe) error {
	var ts []safetensors.Tensor
	for _, p := range m.BaseParams() {
		ts = append(ts, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
	}
	if err := safetensors.Write(filepath.Join(dir, baseWeights), ts, map[string]string{"recipe": r.Key()}); err != nil {
		return err
	}
	if err := tok.Save(filepath.Join(dir, baseTokenizer)); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, baseRecipe), append(data, '\n'), 0o644)
}

// loadBase reads a base model directory; a missing directory gives an
// error that wraps fs.ErrNotExist.
func loadBase(dir string, be mm.Backend) (*Base, error) {
	data, err := os.ReadFile(filepath.Join(dir, baseRecipe))
	if err != nil {
		return nil, err
	}
	var r Recipe
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", baseRecipe, err)
	}
	tok, err := tokenizer.Load(filepath.Join(dir, baseTokenizer))
	if err != nil {
		return nil, err
	}
	m, err := model.New[float32](r.Arch, be, r.Seed)
	if err != nil {
		return nil, err
	}
	if err := loadInto(filepath.Join(dir, baseWeights), m.BaseParams()); err != nil {
		return nil, err
	}
	return &Base{Model: m, Tok: tok, Dir: dir}, nil
}

// loadInto copies the tensors of a safetensors file into params, which
// it must match exactly by name and shape.
func loadInto(path string, params []*model.Param[float32]) error {
	ts, _, err := safetensors.Read(path)
	if err != nil {
		return err
	}
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	if len(ts) != len(params) {
		return fmt.Errorf("%s: %d tensors, want %d", path, len(ts), len(params))
	}
	for _, p := range params {
		t, ok := byName[p.Name]
		if !ok || len(t.Data) != len(p.Data) {
			return fmt.Errorf("%s: tensor %s missing or of the wrong shape", path, p.Name)
		}
		copy(p.Data, t.Data)
	}
	return nil
}
