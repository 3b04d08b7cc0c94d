package trialframe

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// Formats Write knows.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
	FormatMD    = "md"
)

// Formats lists them, the default first.
var Formats = []string{FormatTable, FormatCSV, FormatJSON, FormatMD}

// Write writes the frame in a format.
func Write(w io.Writer, df dataframe.DataFrame, format string) error {
	if df.Err != nil {
		return df.Err
	}
	switch format {
	case FormatTable:
		return writeTable(w, df)
	case FormatCSV:
		return WriteCSV(w, df)
	case FormatJSON:
		return writeJSON(w, df)
	case FormatMD:
		return writeMarkdown(w, df)
	}
	return queryErrorf("unknown format %q (known: %s)", format, strings.Join(Formats, ", "))
}

// exact is a value as text that reads back as the same value: floats in
// their shortest form, infinities as inf and -inf (as pandas reads them).
func exact(e series.Element) string {
	if e.Type() != series.Float {
		return e.String()
	}
	x := e.Float()
	switch {
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	// encoding/json's choice: no exponent from 1e-6 up to 1e21.
	if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// short is a value as a person reads it: floats to four significant
// digits, with no exponent from 1 up (12345.6 reads 12350).
func short(e series.Element) string {
	x := e.Float()
	if e.Type() != series.Float || math.IsInf(x, 0) {
		return exact(e)
	}
	s := strconv.FormatFloat(x, 'g', 4, 64)
	if strings.Contains(s, "e+") {
		y, _ := strconv.ParseFloat(s, 64)
		s = strconv.FormatFloat(y, 'f', -1, 64)
	}
	return s
}

// cells are the frame's rows as text; na stands for a missing value.
func cells(df dataframe.DataFrame, text func(series.Element) string, na string) [][]string {
	cols := make([]series.Series, df.Ncol())
	for j, name := range df.Names() {
		cols[j] = df.Col(name)
	}
	out := make([][]string, df.Nrow())
	for i := range out {
		out[i] = make([]string, len(cols))
		for j, c := range cols {
			if e := c.Elem(i); e.IsNA() {
				out[i][j] = na
			} else {
				out[i][j] = text(e)
			}
		}
	}
	return out
}

// WriteCSV writes a header and one record per row; a missing value is an
// empty field.
func WriteCSV(w io.Writer, df dataframe.DataFrame) error {
	cw := csv.NewWriter(w)
	cw.Write(df.Names())
	cw.WriteAll(cells(df, exact, ""))
	return cw.Error()
}

func writeTable(w io.Writer, df dataframe.DataFrame) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// A name or a value with a tab or a newline would break the columns.
	flat := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for _, row := range append([][]string{df.Names()}, cells(df, short, "-")...) {
		for j := range row {
			row[j] = flat.Replace(row[j])
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// mdEscape keeps a value's text from turning into Markdown: a method
// named <b>x</b> prints as itself.
var mdEscape = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "\n", " ", "\r", " ",
)

func writeMarkdown(w io.Writer, df dataframe.DataFrame) error {
	var b strings.Builder
	line := func(row []string) {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	names := df.Names()
	head, rule := make([]string, len(names)), make([]string, len(names))
	for j, n := range names {
		head[j], rule[j] = mdEscape.Replace(n), "---"
		if df.Col(n).Type() != series.String {
			rule[j] = "---:" // numbers align right
		}
	}
	line(head)
	line(rule)
	for _, row := range cells(df, short, "") {
		for j := range row {
			row[j] = mdEscape.Replace(row[j])
		}
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeJSON writes an array of objects, keys in column order, numbers as
// numbers and a missing value as null.
func writeJSON(w io.Writer, df dataframe.DataFrame) error {
	names := df.Names()
	cols := make([]series.Series, len(names))
	for j, n := range names {
		cols[j] = df.Col(n)
	}
	rows := make([]json.RawMessage, df.Nrow())
	for i := range rows {
		var b bytes.Buffer
		b.WriteByte('{')
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(names[j])
			b.Write(k)
			b.WriteByte(':')
			b.WriteString(jsonValue(c.Elem(i)))
		}
		b.WriteByte('}')
		rows[i] = b.Bytes()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func jsonValue(e series.Element) string {
	switch {
	case e.IsNA():
		return "null"
	case e.Type() == series.String, math.IsInf(e.Float(), 0):
		v, _ := json.Marshal(exact(e))
		return string(v)
	}
	return exact(e)
}
