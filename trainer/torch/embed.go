package torch

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Package is the Python package name the runner starts with `-m`.
const Package = "tiedlora_worker"

//go:embed tiedlora_worker/*.py
var sources embed.FS

// Files returns the package's files (name → content), sorted by name.
func Files() (map[string][]byte, []string, error) {
	out := map[string][]byte{}
	var names []string
	err := fs.WalkDir(sources, Package, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = b
		names = append(names, p)
		return nil
	})
	sort.Strings(names)
	return out, names, err
}

// Hash is the SHA-256 of the package's names and contents: the name of
// its directory in the cache.
func Hash() (string, error) {
	files, names, err := Files()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Extract writes the package to <cacheDir>/torch/<hash>/ (once: a
// directory that exists is complete, as it appears by rename) and returns
// that directory, the entry for PYTHONPATH.
func Extract(cacheDir string) (string, error) {
	key, err := Hash()
	if err != nil {
		return "", err
	}
	root := filepath.Join(cacheDir, "torch")
	dir := filepath.Join(root, key)
	if _, err := os.Stat(filepath.Join(dir, Package, "__init__.py")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, ".extract-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	files, names, err := Files()
	if err != nil {
		return "", err
	}
	for _, n := range names {
		dst := filepath.Join(tmp, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, files[n], 0o644); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process extracted the same package first.
		if _, serr := os.Stat(filepath.Join(dir, Package, "__init__.py")); serr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("extracting the torch worker: %w", err)
	}
	return dir, nil
}

// CacheDir is dir, or the user cache directory's tiedlora-sweep (what the
// Go trainer uses) when dir is empty.
func CacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", errors.New("no cache directory: set --cache or $XDG_CACHE_HOME")
	}
	return filepath.Join(base, "tiedlora-sweep"), nil
}
