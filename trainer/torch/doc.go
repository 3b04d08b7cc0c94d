// Package torch launches the PyTorch worker (docs/torch.md): it carries the
// Python package tiedlora_worker inside the Go binary and extracts it,
// content-addressed, under the cache directory, finds a python that can
// import torch, and materialises the task's examples as JSON Lines for the
// worker, so an installed `sweep` works from any directory.
package torch
