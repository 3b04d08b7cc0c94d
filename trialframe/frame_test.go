package trialframe

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-gota/gota/series"

	"github.com/tiedlora/tiedlora-sweep/results"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestNew(t *testing.T) {
	df := New(small())
	want := []string{"trial", "task", "method", "rank", "seed", "hp.lr", "hp.sched", "hp.steps", "trainable", "state", "attempts",
		"metric", "validation", "test", "validation.exact_match", "test.exact_match", "test.f1", "test.loss", "test.score", "steps", "wall_s"}
	if got := df.Names(); !slices.Equal(got, want) {
		t.Fatalf("got columns %v, want %v", got, want)
	}
	types := map[string]series.Type{"rank": series.Int, "hp.lr": series.Float, "hp.sched": series.String, "hp.steps": series.Int,
		"trainable": series.Int, "test": series.Float, "steps": series.Int, "wall_s": series.Float}
	for col, typ := range types {
		if got := df.Col(col).Type(); got != typ {
			t.Errorf("%s: got type %s, want %s", col, got, typ)
		}
	}
	// The primary metric: the stored key, else the first test metric
	// with loss last; b's validation score diverged (NaN: missing).
	if got := df.Col("metric").Records(); !slices.Equal(got, []string{"exact_match", "exact_match", "score", "exact_match"}) {
		t.Errorf("got metrics %v", got)
	}
	if v := df.Col("validation"); v.Elem(0).Float() != 58 || !v.Elem(1).IsNA() || !v.Elem(3).IsNA() {
		t.Errorf("got validation %v, want 58, NA, …, NA", v.Records())
	}
	if got := DefaultColumns(df); slices.Contains(got, "test.f1") || !slices.Contains(got, "hp.lr") || !slices.Contains(got, "wall_s") {
		t.Errorf("got default columns %v", got)
	}
}

func TestNewEmpty(t *testing.T) {
	df := New(&results.TrialResults{})
	var b bytes.Buffer
	for _, f := range Formats {
		b.Reset()
		if err := Write(&b, df, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if b.String() != "| trial | task | method | rank | seed | trainable | state | attempts | metric | validation | test | steps | wall\\_s |\n| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |\n" {
		t.Errorf("got %q", b.String())
	}
}

func TestQuery(t *testing.T) {
	df := New(small())
	got, err := Query{Sort: []string{"-test"}, Columns: []string{"trial", "test", "lr", "trial"}}.Apply(df)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Names(), []string{"trial", "test", "hp.lr"}) || !slices.Equal(got.Col("trial").Records(), []string{"c", "a", "b", "d"}) {
		t.Errorf("got %v %v, want trial, test, hp.lr and c a b d (missing last)", got.Names(), got.Col("trial").Records())
	}
	got, err = Query{Sort: []string{"method", "-rank", "seed"}}.Apply(df)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"d", "a", "c", "b"}; !slices.Equal(got.Col("trial").Records(), want) {
		t.Errorf("got %v, want %v", got.Col("trial").Records(), want)
	}
	for _, q := range []Query{{Sort: []string{"-nope"}}, {Columns: []string{"trial", "nope"}}, {Columns: []string{""}}} {
		if _, err := q.Apply(df); !errors.Is(err, ErrQuery) || !strings.Contains(err.Error(), "(known: trial, task, method") {
			t.Errorf("%+v: got %v, want an unknown column with the known ones", q, err)
		}
	}
}

// TestWrite compares each format of the small frame with testdata.
func TestWrite(t *testing.T) {
	df := New(small())
	for _, f := range Formats {
		t.Run(f, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, df, f); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "small."+f), b.String())
		})
	}
	if err := Write(&bytes.Buffer{}, df, "xlsx"); !errors.Is(err, ErrQuery) {
		t.Errorf("xlsx: got %v, want an unknown format", err)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("got\n%s\nwant (%s; go test ./trialframe -update rewrites it)\n%s", got, path, want)
	}
}
