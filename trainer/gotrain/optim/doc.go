// Package optim is the trainer's optimizer: AdamW with decoupled weight
// decay (as torch.optim.AdamW), global-norm gradient clipping and a
// cosine learning-rate schedule with linear warmup.
package optim
