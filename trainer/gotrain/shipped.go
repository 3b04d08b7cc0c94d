package gotrain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// shipped holds the base models that ship with the program, one folder per
// recipe key (bases/README.md).
//
//go:embed bases
var shipped embed.FS

// baseFiles are the files of a base folder, in the order SHA256SUMS lists
// them.
var baseFiles = []string{baseRecipe, baseTokenizer, baseWeights}

// sumsFile lists the SHA-256 of a shipped base's files.
const sumsFile = "SHA256SUMS"

// ShippedBase reports whether a base for recipe key ships with the program.
func ShippedBase(key string) bool {
	_, err := fs.Stat(shipped, path.Join("bases", key, baseWeights))
	return err == nil
}

// copyShipped writes the shipped base of key into dir.
func copyShipped(key, dir string) error {
	for _, name := range baseFiles {
		data, err := shipped.ReadFile(path.Join("bases", key, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// buildBase pretrains recipe r: the tokenizer on the corpus, then the
// model.
func buildBase(ctx context.Context, r Recipe, be mm.Backend, progress Progress) (*model.Model[float32], *tokenizer.BPE, error) {
	docs, err := corpusLines(r)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.Train(docs, r.Arch.Vocab)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.New[float32](r.Arch, be, r.Seed)
	if err != nil {
		return nil, nil, err
	}
	if err := pretrain(ctx, m, tokenStream(tok, docs), r, progress); err != nil {
		return nil, nil, err
	}
	return m, tok, nil
}

// Pretrain builds the base of recipe r into out/<key>/ with the pure-Go
// backend (so that anyone can rebuild it bit for bit), with its
// SHA256SUMS, and returns that folder.
func Pretrain(ctx context.Context, out string, r Recipe, progress Progress) (string, error) {
	m, tok, err := buildBase(ctx, r, mm.Gonum{}, progress)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(out, r.Key())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := saveBase(dir, m, tok, r); err != nil {
		return "", err
	}
	sums, err := sumFiles(os.DirFS(dir))
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, sumsFile), sums, 0o644)
}

// ErrNotShipped is returned by CheckShipped for a recipe without a shipped
// base.
var ErrNotShipped = errors.New("no base ships for this recipe")

// CheckShipped rebuilds the shipped base of recipe r in a temporary folder
// and compares every file with the shipped one, byte for byte. It returns
// the SHA256SUMS of the rebuild and an error naming each file that
// differs.
func CheckShipped(ctx context.Context, r Recipe, progress Progress) ([]byte, error) {
	key := r.Key()
	if !ShippedBase(key) {
		return nil, fmt.Errorf("%w (key %s)", ErrNotShipped, key)
	}
	tmp, err := os.MkdirTemp("", "tiedlora-pretrain-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir, err := Pretrain(ctx, tmp, r, progress)
	if err != nil {
		return nil, err
	}
	got, err := os.ReadFile(filepath.Join(dir, sumsFile))
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, name := range append(baseFiles, sumsFile) {
		want, err := shipped.ReadFile(path.Join("bases", key, name))
		if err != nil {
			return got, err
		}
		have, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return got, err
		}
		if !bytes.Equal(have, want) {
			errs = append(errs, fmt.Errorf("%s differs from the shipped one", name))
		}
	}
	return got, errors.Join(errs...)
}

// sumFiles is the SHA256SUMS text of a base folder's files.
func sumFiles(fsys fs.FS) ([]byte, error) {
	names := append([]string(nil), baseFiles...)
	sort.Strings(names)
	var b bytes.Buffer
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	return b.Bytes(), nil
}
