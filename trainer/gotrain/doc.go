// Package gotrain is the built-in Go training worker: it pretrains (or
// loads from a content-addressed cache) a small GPT on the synthetic task
// corpora, fine-tunes Tied-LoRA adapters on one task with the base frozen,
// evaluates by greedy generation or choice log-likelihood, and reports
// everything as worker-protocol events (DESIGN.md, contract 1).
package gotrain
