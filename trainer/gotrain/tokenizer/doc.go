// Package tokenizer is a byte-level BPE tokenizer for small models: 256
// byte tokens, one end-of-text token, and merges learned from the task
// corpora up to the model's vocabulary size. Any byte string encodes, and
// decoding gives the bytes back.
package tokenizer
