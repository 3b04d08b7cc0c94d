// Package model is the Go trainer's decoder-only transformer: token and
// learned position embeddings, pre-LayerNorm blocks with fused-QKV causal
// multi-head attention and a GELU MLP, a final norm and an output head tied
// to the token embedding, with Tied-LoRA adapters on chosen projections.
// It is generic over float32 (training) and float64 (gradient checks).
package model
