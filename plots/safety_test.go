package plots

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCellSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"+1+2", "'+1+2"}, {"@SUM(A1)", "'@SUM(A1)"}, {"-cmd", "'-cmd"}, {"\tx", "'\tx"},
		{"-0.5", "-0.5"}, {"+3", "+3"}, {"1e-3", "1e-3"}, {"lora", "lora"}, {"", ""},
	}
	for _, tt := range tests {
		if got := cellSafe(tt.in); got != tt.want {
			t.Errorf("cellSafe(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRewriteIsAtomic: a reader of index.html while the report is written
// again sees the whole file every time (the report is deterministic, so
// every read must equal the first), never an empty or truncated one.
func TestRewriteIsAtomic(t *testing.T) {
	s := openFixture(t)
	dir := t.TempDir()
	opt := Options{Formats: []string{FormatHTML}}
	if _, err := loadWrite(context.Background(), s, dir, opt); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "index.html")
	want, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	bad := make(chan int, 1)
	go func() {
		n := 0
		defer func() { bad <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if got, err := os.ReadFile(index); err != nil || !bytes.Equal(got, want) {
				n++
			}
		}
	}()
	for range 3 {
		if _, err := loadWrite(context.Background(), s, dir, opt); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if n := <-bad; n != 0 {
		t.Errorf("got %d partial reads of index.html during rewrites, want 0", n)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left a temporary file %s", e.Name())
		}
	}
}
