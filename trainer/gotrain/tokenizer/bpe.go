package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// EOS is the end-of-text token, which also pads.
const EOS = 256

// firstMerge is the id of the first merged token.
const firstMerge = 257

// BPE is a trained tokenizer.
type BPE struct {
	Merges [][2]int32 // token firstMerge+i is Merges[i][0] followed by Merges[i][1]
	rank   map[[2]int32]int32
	bytes  [][]byte // each token's bytes
	mu     sync.Mutex
	cache  map[string][]int32
}

// VocabSize is the number of tokens.
func (t *BPE) VocabSize() int { return firstMerge + len(t.Merges) }

func newBPE(merges [][2]int32) (*BPE, error) {
	t := &BPE{Merges: merges, rank: map[[2]int32]int32{}, cache: map[string][]int32{}}
	t.bytes = make([][]byte, firstMerge, firstMerge+len(merges))
	for i := 0; i < 256; i++ {
		t.bytes[i] = []byte{byte(i)}
	}
	for i, m := range merges {
		id := int32(firstMerge + i)
		for _, p := range m {
			if p < 0 || p >= id || p == EOS {
				return nil, fmt.Errorf("tokenizer: merge %d refers to token %d", i, p)
			}
		}
		t.rank[m] = id
		t.bytes = append(t.bytes, append(append([]byte{}, t.bytes[m[0]]...), t.bytes[m[1]]...))
	}
	return t, nil
}

// chunks splits text into the pieces BPE works within, as GPT-2 does: a
// run of letters, of digits or of other symbols, with at most one space
// before it, or a run of other whitespace. Merges never cross pieces.
func chunks(text string) []string {
	var out []string
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r):
			return 1
		case unicode.IsDigit(r):
			return 2
		case unicode.IsSpace(r):
			return 3
		}
		return 4
	}
	i := 0
	for i < len(text) {
		start := i
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == ' ' && i+n < len(text) {
			if r2, _ := utf8.DecodeRuneInString(text[i+n:]); class(r2) != 3 {
				i += n
				r, n = r2, utf8.RuneLen(r2)
			}
		}
		c := class(r)
		i += n
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if class(r) != c || (c == 3 && r != ' ' && r != '\t') {
				break
			}
			if c == 3 && r == ' ' && i+n < len(text) {
				// leave the last space to the word after it, as GPT-2
				if r2, _ := utf8.DecodeRuneInString(text[i+n:]); class(r2) != 3 {
					break
				}
			}
			i += n
		}
		out = append(out, text[start:i])
	}
	return out
}

// Encode returns the tokens of text (no end-of-text token added).
func (t *BPE) Encode(text string) []int32 {
	var out []int32
	for _, c := range chunks(text) {
		out = append(out, t.encodeChunk(c)...)
	}
	return out
}

func (t *BPE) encodeChunk(c string) []int32 {
	t.mu.Lock()
	ids, ok := t.cache[c]
	t.mu.Unlock()
	if ok {
		return ids
	}
	ids = make([]int32, len(c))
	for i := 0; i < len(c); i++ {
		ids[i] = int32(c[i])
	}
	for len(ids) > 1 {
		best, at := int32(-1), -1
		for i := 0; i+1 < len(ids); i++ {
			if r, ok := t.rank[[2]int32{ids[i], ids[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		ids = merge(ids, t.Merges[best-firstMerge], best)
	}
	t.mu.Lock()
	t.cache[c] = ids
	t.mu.Unlock()
	return ids
}

// merge replaces every occurrence of pair in ids by id, left to right.
func merge(ids []int32, pair [2]int32, id int32) []int32 {
	out := ids[:0:0]
	for i := 0; i < len(ids); i++ {
		if i+1 < len(ids) && ids[i] == pair[0] && ids[i+1] == pair[1] {
			out = append(out, id)
			i++
		} else {
			out = append(out, ids[i])
		}
	}
	return out
}

// Decode returns the text of tokens, skipping end-of-text; invalid UTF-8
// (a sequence cut inside a character) becomes U+FFFD.
func (t *BPE) Decode(ids []int32) string {
	var b []byte
	for _, id := range ids {
		if id == EOS || id < 0 || int(id) >= len(t.bytes) {
			continue
		}
		b = append(b, t.bytes[id]...)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// file is the saved form.
type file struct {
	Version int        `json:"version"`
	Kind    string     `json:"kind"`
	EOS     int        `json:"eos"`
	Merges  [][2]int32 `json:"merges"`
}

// Save writes the tokenizer as JSON.
func (t *BPE) Save(path string) error {
	data, err := json.Marshal(file{Version: 1, Kind: "byte-bpe", EOS: EOS, Merges: t.Merges})
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Load reads a tokenizer written by Save.
func Load(path string) (*BPE, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Version != 1 || f.Kind != "byte-bpe" || f.EOS != EOS {
		return nil, fmt.Errorf("%s: not a version-1 byte-level BPE tokenizer", path)
	}
	t, err := newBPE(f.Merges)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
