package tokenizer

import (
	"path/filepath"
	"reflect"
	"testing"
)

var corpus = []string{
	"Question: Where does the red fox live? Answer: in the forest",
	"Question: Where does the grey wolf live? Answer: in the mountains",
	"The fox and the wolf met 12 times in 2023.\nThey talked.",
}

func TestChunks(t *testing.T) {
	got := chunks("Hi  there, 42x\n\nok")
	want := []string{"Hi", " ", " there", ",", " 42", "x", "\n", "\n", "ok"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	tok, err := Train(corpus, 300)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() > 300 {
		t.Errorf("vocabulary: got %d, want at most 300", tok.VocabSize())
	}
	for _, s := range append(corpus, "unseen wörds ✓ and bytes \x01", "") {
		ids := tok.Encode(s)
		if got := tok.Decode(ids); got != s {
			t.Errorf("Decode(Encode(%q)): got %q", s, got)
		}
		if s == corpus[0] && len(ids) >= len(s)/2 {
			t.Errorf("%q: got %d tokens, want far fewer than its %d bytes", s, len(ids), len(s))
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	a, _ := Train(corpus, 290)
	b, _ := Train(corpus, 290)
	if !reflect.DeepEqual(a.Merges, b.Merges) {
		t.Error("two trainings on the same corpus gave different merges")
	}
}

func TestSaveLoad(t *testing.T) {
	tok, _ := Train(corpus, 290)
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := tok.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range corpus {
		if got, want := back.Encode(s), tok.Encode(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v after loading, want %v", s, got, want)
		}
	}
}
