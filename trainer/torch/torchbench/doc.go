// Package torchbench is `sweep bench torch`: the PyTorch worker's
// training step time against HF PEFT's LoRA on the same transformers model,
// batch and threads, measured in one run by
// tiedlora_worker/bench_peft.py, which is started from the worker package
// the binary carries (so it runs from any directory).
package torchbench
