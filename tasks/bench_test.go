package tasks

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSQuAD writes a SQuAD v1.1 file shaped like the real training set:
// paragraphs of about 750 characters with 5 questions each, questions of
// about 60 characters, one answer each (train) or three (dev).
func writeSQuAD(tb testing.TB, path string, questions, answers int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	sentence := "The quick brown fox jumps over the lazy dog near the river bank in 1887. "
	ctx := strings.Repeat(sentence, 10)
	w.WriteString(`{"version": "1.1", "data": [`)
	q := 0
	for a := 0; q < questions; a++ {
		if a > 0 {
			w.WriteString(", ")
		}
		fmt.Fprintf(w, `{"title": "Article_%d", "paragraphs": [`, a)
		for p := 0; p < 10 && q < questions; p++ {
			if p > 0 {
				w.WriteString(", ")
			}
			fmt.Fprintf(w, `{"context": "%s paragraph %d.", "qas": [`, ctx, q)
			for k := 0; k < 5 && q < questions; k++ {
				if k > 0 {
					w.WriteString(", ")
				}
				fmt.Fprintf(w, `{"answers": [`)
				for x := 0; x < answers; x++ {
					if x > 0 {
						w.WriteString(", ")
					}
					fmt.Fprintf(w, `{"answer_start": %d, "text": "the lazy dog"}`, 31+x)
				}
				fmt.Fprintf(w, `], "question": "What does the quick brown fox jump over in question %d?", "id": "%024x"}`, q, q)
				q++
			}
			w.WriteString("]}")
		}
		w.WriteString("]}")
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkLoadSQuAD100k loads 100,000 SQuAD questions (about 22 MB, the
// size of SQuAD v1.1 train with 12% more questions) into examples.
func BenchmarkLoadSQuAD100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "train-v1.1.json")
	writeSQuAD(b, path, 100_000, 1)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		ex, err := LoadFile(Config{Name: "squad"}, Train, path)
		if err != nil {
			b.Fatal(err)
		}
		if len(ex) != 100_000 {
			b.Fatalf("got %d examples, want 100000", len(ex))
		}
	}
}

// BenchmarkLoadSyntheticAll generates and loads all splits of every
// synthetic task at the default size, as a worker does at start-up.
func BenchmarkLoadSyntheticAll(b *testing.B) {
	for b.Loop() {
		for _, n := range synNames() {
			if _, err := LoadAll(Config{Name: n}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
