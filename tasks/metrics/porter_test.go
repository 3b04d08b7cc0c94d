package metrics

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestPorterVectors checks the 147 words of porter_nltk_vectors.json
// (Porter's paper, NLTK's extensions, dialogue words).
func TestPorterVectors(t *testing.T) {
	var pairs [][2]string
	readJSON(t, "porter_nltk_vectors.json", &pairs)
	if len(pairs) != 147 {
		t.Fatalf("got %d word pairs, want 147", len(pairs))
	}
	for _, p := range pairs {
		if got := PorterStem(p[0]); got != p[1] {
			t.Errorf("PorterStem(%q): got %q, want %q", p[0], got, p[1])
		}
	}
}

// TestPorterVocabulary checks every word of NLTK 3.8's stems of a
// 28,326-word vocabulary.
func TestPorterVocabulary(t *testing.T) {
	f, err := os.Open("testdata/porter_nltk38_vocab_stems.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, bad := 0, 0
	for sc.Scan() {
		word, stem, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("line %d: no tab in %q", n+1, sc.Text())
		}
		n++
		if got := PorterStem(word); got != stem {
			bad++
			if bad <= 20 {
				t.Errorf("PorterStem(%q): got %q, want %q", word, got, stem)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 28326 {
		t.Errorf("got %d words, want 28326", n)
	}
	if bad > 0 {
		t.Errorf("%d of %d stems differ", bad, n)
	}
}

// TestPorterEdgeCases covers inputs the vocabulary lacks: case, non-ASCII
// letters, short and degenerate words. The stems were printed by NLTK 3.8.
func TestPorterEdgeCases(t *testing.T) {
	for _, tc := range []struct{ word, want string }{
		{"", ""},
		{"a", "a"},
		{"IS", "is"},
		{"Running", "run"},
		{"SKIES", "ski"}, // the irregular forms are looked up before lowercasing
		{"ies", "i"},
		{"ied", "i"},
		{"eed", "eed"},
		{"sses", "ss"},
		{"ying", "ying"},
		{"oed", "o"},
		{"yyyy", "yyyi"},
		{"cafés", "café"},
		{"naïvely", "naïv"},
		{"Σ", "σ"},
		{"ΟΔΟΣ", "οδος"},
		{"İİİİ", "i\u0307i\u0307i\u0307i\u0307"},
		{"\u212a\u212a\u212a\u212a", "kkkk"},
	} {
		if got := PorterStem(tc.word); got != tc.want {
			t.Errorf("PorterStem(%q): got %q, want %q", tc.word, got, tc.want)
		}
	}
}
