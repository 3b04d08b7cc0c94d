package trialframe

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/results/fixture"
)

// TestViewAgrees: on the fixture sweep, the trial_results and
// trial_scores views that pandas and sqlite3 users read give what the
// frame has, row for row and score for score.
func TestViewAgrees(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sweep.db")
	if err := fixture.Write(ctx, path, fixture.Small); err != nil {
		t.Fatal(err)
	}
	if err := fixture.PinTimes(path); err != nil {
		t.Fatal(err)
	}
	s, err := results.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr, err := s.TrialResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	df := New(tr)
	db := testenv.DB(t, path)

	rows, err := db.Query(`SELECT trial, task, method, rank, seed, trainable, state, attempts, metric, validation, test, steps, wall_s FROM trial_results`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := []string{"trial", "task", "method", "rank", "seed", "trainable", "state", "attempts", "metric", "validation", "test", "steps", "wall_s"}
	i := 0
	for ; rows.Next(); i++ {
		vals := make([]any, len(cols))
		for j := range vals {
			vals[j] = new(sql.NullString)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		if i >= df.Nrow() {
			continue
		}
		for j, c := range cols {
			if got, want := frameText(df, c, i), viewText(vals[j].(*sql.NullString), df.Col(c).Type()); got != want {
				t.Errorf("row %d, %s: frame has %q, the view %q", i, c, got, want)
			}
		}
	}
	if i != df.Nrow() || i != fixture.Small.Trials() {
		t.Fatalf("got %d rows in the view and %d in the frame, want %d", i, df.Nrow(), fixture.Small.Trials())
	}

	// Every score of the view is in the frame's <split>.<metric> column,
	// and the frame has no others.
	index := map[string]int{}
	for i, id := range df.Col("trial").Records() {
		index[id] = i
	}
	rows, err = db.Query(`SELECT trial, split, metric, value FROM trial_scores`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var trial, split, metric string
		var v sql.NullFloat64
		if err := rows.Scan(&trial, &split, &metric, &v); err != nil {
			t.Fatal(err)
		}
		r, ok := index[trial]
		if !ok {
			t.Errorf("trial_scores has %s, which the frame has not", trial)
			continue
		}
		n++
		if got := df.Col(split + "." + metric).Elem(r).Float(); got != v.Float64 {
			t.Errorf("%s %s.%s: frame has %v, the view %v", trial, split, metric, got, v.Float64)
		}
	}
	scored := 0
	for _, name := range df.Names() {
		if strings.Contains(name, ".") && !strings.HasPrefix(name, HParamPrefix) {
			scored += df.Nrow() - countNA(df.Col(name))
		}
	}
	if n == 0 || n != scored {
		t.Errorf("got %d scores in the view, %d in the frame", n, scored)
	}
	// The pinned clock: every attempt ran 10 to 17.5 seconds.
	if w := df.Col("wall_s"); w.Min() != 10 || w.Max() != 17.5 {
		t.Errorf("got wall times from %v to %v, want 10 to 17.5", w.Min(), w.Max())
	}
}

func frameText(df dataframe.DataFrame, col string, i int) string {
	e := df.Col(col).Elem(i)
	if e.IsNA() {
		return "NULL"
	}
	return exact(e)
}

func viewText(v *sql.NullString, typ series.Type) string {
	if !v.Valid {
		return "NULL"
	}
	if typ == series.Float {
		x, _ := strconv.ParseFloat(v.String, 64)
		if math.IsNaN(x) {
			return "NULL"
		}
		return exact(series.Floats(x).Elem(0))
	}
	return v.String
}

func countNA(s series.Series) int {
	n := 0
	for i := range s.Len() {
		if s.Elem(i).IsNA() {
			n++
		}
	}
	return n
}
