package tokenizer

import (
	"fmt"
	"sort"
)

// Train learns merges from texts until the vocabulary has vocab tokens
// (or no pair occurs twice). The most frequent adjacent pair is merged
// first; ties go to the smaller pair of ids, so training is deterministic.
func Train(texts []string, vocab int) (*BPE, error) {
	if vocab < firstMerge {
		return nil, fmt.Errorf("tokenizer: vocabulary %d is smaller than the %d byte and special tokens", vocab, firstMerge)
	}
	counts := map[string]int{}
	for _, t := range texts {
		for _, c := range chunks(t) {
			counts[c]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	words := make([][]int32, len(keys))
	freq := make([]int, len(keys))
	for i, k := range keys {
		freq[i] = counts[k]
		words[i] = make([]int32, len(k))
		for j := 0; j < len(k); j++ {
			words[i][j] = int32(k[j])
		}
	}
	var merges [][2]int32
	for id := int32(firstMerge); int(id) < vocab; id++ {
		pairs := map[[2]int32]int{}
		for i, w := range words {
			for j := 0; j+1 < len(w); j++ {
				pairs[[2]int32{w[j], w[j+1]}] += freq[i]
			}
		}
		var best [2]int32
		bestN := 1
		for p, n := range pairs {
			if n > bestN || (n == bestN && bestN > 1 && less(p, best)) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		merges = append(merges, best)
		for i, w := range words {
			words[i] = merge(w, best, id)
		}
	}
	return newBPE(merges)
}

func less(a, b [2]int32) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }
