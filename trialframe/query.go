package trialframe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-gota/gota/dataframe"
)

// ErrQuery is wrapped by every error about what a user asked for: a bad
// --where expression, an unknown column.
var ErrQuery = errors.New("bad query")

// queryError is a user's error: errors.Is(err, ErrQuery) holds, and its
// text is only its own.
type queryError struct{ error }

func (queryError) Is(target error) bool { return target == ErrQuery }

func queryErrorf(format string, args ...any) error {
	return queryError{fmt.Errorf(format, args...)}
}

// Query narrows a frame: Where filters the rows (Parse's language), Sort
// orders them by columns (a leading - for descending), Columns picks the
// columns to keep (none: all).
type Query struct {
	Where   string
	Sort    []string
	Columns []string
}

// Apply filters, then sorts, then selects, all with gota.
func (q Query) Apply(df dataframe.DataFrame) (dataframe.DataFrame, error) {
	if strings.TrimSpace(q.Where) != "" {
		expr, err := Parse(q.Where)
		if err == nil {
			df, err = expr.Filter(df)
		}
		if err != nil {
			return df, fmt.Errorf("--where: %w", err)
		}
	}
	if len(q.Sort) > 0 {
		var order []dataframe.Order
		for _, s := range q.Sort {
			name, desc := strings.CutPrefix(strings.TrimSpace(s), "-")
			col, err := Resolve(df, name)
			if err != nil {
				return df, fmt.Errorf("--sort: %w", err)
			}
			order = append(order, dataframe.Order{Colname: col, Reverse: desc})
		}
		if df = df.Arrange(order...); df.Err != nil {
			return df, df.Err
		}
	}
	if len(q.Columns) > 0 {
		var cols []string
		seen := map[string]bool{}
		for _, c := range q.Columns {
			col, err := Resolve(df, strings.TrimSpace(c))
			if err != nil {
				return df, fmt.Errorf("--columns: %w", err)
			}
			if !seen[col] {
				seen[col] = true
				cols = append(cols, col)
			}
		}
		if df = df.Select(cols); df.Err != nil {
			return df, df.Err
		}
	}
	return df, nil
}

// Resolve finds a column by name; a hyper-parameter's name without its
// prefix (lr for hp.lr) names its column when no column has that name.
func Resolve(df dataframe.DataFrame, name string) (string, error) {
	names := df.Names()
	for _, want := range []string{name, HParamPrefix + name} {
		for _, n := range names {
			if n == want {
				return n, nil
			}
		}
	}
	if name == "" {
		return "", queryErrorf("an empty column name (known: %s)", strings.Join(names, ", "))
	}
	return "", queryErrorf("unknown column %q (known: %s)", name, strings.Join(names, ", "))
}
