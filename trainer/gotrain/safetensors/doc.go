// Package safetensors reads and writes the safetensors format for float32
// tensors: an 8-byte little-endian header length, a JSON header mapping
// each name to its dtype, shape and byte range (plus an optional
// "__metadata__" map of strings), then the raw little-endian data.
package safetensors
