package trialframe

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// The --where language: comparisons of a column with a literal, joined by
// && and ||, grouped with parentheses (&& binds tighter):
//
//	method=="tl6"
//	rank>=8 && task=="syn-squad"
//	(test>0.5 || validation>0.6) && hp.lr<=1e-3
//
// Operators are == != < <= > >=; a literal is a number (1e-4, -3, 0.5)
// or a string in double or single quotes (\ escapes a quote or itself).
// A name is letters, digits, _, . and - (not first), or anything between
// backquotes. A comparison with a missing value is false. It is parsed
// here and evaluated by gota: the expression is brought into a
// conjunction of disjunctions, each disjunction one gota Filter call (its
// filters are ORed) and the calls chained (ANDed).

// SyntaxError is a --where expression that does not parse or does not fit
// the frame, at a column (1-based, in characters) of the expression.
type SyntaxError struct {
	Src string
	Col int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("col %d: %s\n  %s\n  %s^", e.Col, e.Msg, e.Src, strings.Repeat(" ", max(e.Col-1, 0)))
}

// Is makes a syntax error an ErrQuery.
func (e *SyntaxError) Is(target error) bool { return target == ErrQuery }

// Expr is a parsed --where expression.
type Expr struct {
	src  string
	root *node
}

// node is && or || of two nodes, or a comparison (op "").
type node struct {
	op   string
	l, r *node
	c    *comparison
}

type comparison struct {
	name         string
	namePos      int
	op           string
	isStr        bool
	str          string
	num          float64
	lit          string // as typed
	litPos       int
	column       string // resolved by bind
	columnFloats bool   // an integer column against a fraction: compare as floats
}

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tNum
	tStr
	tCmp
	tAnd
	tOr
	tLParen
	tRParen
)

type token struct {
	kind tokKind
	text string // a name's or string's value, a number or operator as typed
	pos  int    // 1-based column
}

type parser struct {
	src  string
	toks []token
	i    int
}

// Parse parses a --where expression.
func Parse(src string) (*Expr, error) {
	p := &parser{src: src}
	if err := p.lex(); err != nil {
		return nil, err
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t.pos, "unexpected %s; join comparisons with && or ||", describe(t))
	}
	return &Expr{src: src, root: root}, nil
}

func (p *parser) errAt(col int, format string, args ...any) error {
	return &SyntaxError{Src: p.src, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tStr:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func isNameRune(r rune, first bool) bool {
	if unicode.IsLetter(r) || r == '_' {
		return true
	}
	return !first && (unicode.IsDigit(r) || r == '.' || r == '-')
}

func (p *parser) lex() error {
	rs := []rune(p.src)
	for i := 0; i < len(rs); {
		r, pos := rs[i], i+1
		next := func() rune {
			if i+1 < len(rs) {
				return rs[i+1]
			}
			return 0
		}
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')':
			k := tLParen
			if r == ')' {
				k = tRParen
			}
			p.toks = append(p.toks, token{k, string(r), pos})
			i++
		case r == '&' || r == '|':
			if next() != r {
				return p.errAt(pos, "%q alone is no operator; write %c%c", string(r), r, r)
			}
			k := tAnd
			if r == '|' {
				k = tOr
			}
			p.toks = append(p.toks, token{k, string([]rune{r, r}), pos})
			i += 2
		case strings.ContainsRune("=!<>", r):
			op := string(r)
			if next() == '=' {
				op += "="
			}
			switch op {
			case "=":
				return p.errAt(pos, `"=" is no operator; write == to compare`)
			case "!":
				return p.errAt(pos, "! (not) is not supported; compare with != or the opposite operator")
			}
			p.toks = append(p.toks, token{tCmp, op, pos})
			i += len(op)
		case r == '"' || r == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != r; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j == len(rs) {
				return p.errAt(pos, "string not closed: want a %c", r)
			}
			p.toks = append(p.toks, token{tStr, b.String(), pos})
			i = j + 1
		case r == '`':
			j := i + 1
			for j < len(rs) && rs[j] != '`' {
				j++
			}
			if j == len(rs) {
				return p.errAt(pos, "name not closed: want a `")
			}
			p.toks = append(p.toks, token{tName, string(rs[i+1 : j]), pos})
			i = j + 1
		case unicode.IsDigit(r) || r == '.' || r == '-' || r == '+':
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E' ||
				(rs[j] == '-' || rs[j] == '+') && (rs[j-1] == 'e' || rs[j-1] == 'E')) {
				j++
			}
			p.toks = append(p.toks, token{tNum, string(rs[i:j]), pos})
			i = j
		case isNameRune(r, true):
			j := i + 1
			for j < len(rs) && isNameRune(rs[j], false) {
				j++
			}
			p.toks = append(p.toks, token{tName, string(rs[i:j]), pos})
			i = j
		default:
			return p.errAt(pos, "unexpected %q", r)
		}
	}
	p.toks = append(p.toks, token{tEOF, "", len(rs) + 1})
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) take() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) binary(kind tokKind, sub func() (*node, error)) (*node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == kind {
		op := p.take().text
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &node{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) or() (*node, error) { return p.binary(tOr, p.and) }

func (p *parser) and() (*node, error) { return p.binary(tAnd, p.primary) }

func (p *parser) primary() (*node, error) {
	t := p.take()
	switch t.kind {
	case tLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.take(); c.kind != tRParen {
			return nil, p.errAt(c.pos, "want ) to close the ( at col %d, got %s", t.pos, describe(c))
		}
		return n, nil
	case tName:
	default:
		return nil, p.errAt(t.pos, "want a column name, got %s", describe(t))
	}
	c := &comparison{name: t.text, namePos: t.pos}
	op := p.take()
	if op.kind != tCmp {
		return nil, p.errAt(op.pos, "want ==, !=, <, <=, > or >= after %s, got %s", t.text, describe(op))
	}
	c.op = op.text
	lit := p.take()
	c.lit, c.litPos = lit.text, lit.pos
	switch lit.kind {
	case tStr:
		c.isStr, c.str = true, lit.text
	case tNum:
		x, err := strconv.ParseFloat(lit.text, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, p.errAt(lit.pos, "bad number %q", lit.text)
		}
		c.num = x
	case tName:
		return nil, p.errAt(lit.pos, "want a number or a quoted string, got %s (a string is quoted: %q)", lit.text, lit.text)
	default:
		return nil, p.errAt(lit.pos, "want a number or a quoted string after %s, got %s", op.text, describe(lit))
	}
	return &node{c: c}, nil
}

// maxClauses bounds the conjunctive form, which grows as the product of
// the ||'s sides.
const maxClauses = 256

// Filter keeps the rows of df for which the expression holds.
func (x *Expr) Filter(df dataframe.DataFrame) (dataframe.DataFrame, error) {
	p := &parser{src: x.src}
	clauses, err := p.cnf(x.root)
	if err != nil {
		return df, err
	}
	for _, cl := range clauses {
		var fs []dataframe.F
		for _, c := range cl {
			f, err := p.filter(df, c)
			if err != nil {
				return df, err
			}
			fs = append(fs, f)
		}
		if df = df.Filter(fs...); df.Err != nil {
			return df, df.Err
		}
	}
	return df, nil
}

// cnf brings a node into a conjunction of disjunctions.
func (p *parser) cnf(n *node) ([][]*comparison, error) {
	if n.c != nil {
		return [][]*comparison{{n.c}}, nil
	}
	l, err := p.cnf(n.l)
	if err != nil {
		return nil, err
	}
	r, err := p.cnf(n.r)
	if err != nil {
		return nil, err
	}
	if n.op == "&&" {
		return append(l, r...), nil
	}
	if len(l)*len(r) > maxClauses {
		return nil, p.errAt(1, "too many alternatives: more than %d once the && are taken out of the ||", maxClauses)
	}
	var out [][]*comparison
	for _, a := range l {
		for _, b := range r {
			out = append(out, append(append([]*comparison(nil), a...), b...))
		}
	}
	return out, nil
}

var comparators = map[string]series.Comparator{
	"==": series.Eq, "!=": series.Neq, "<": series.Less, "<=": series.LessEq, ">": series.Greater, ">=": series.GreaterEq,
}

// filter checks a comparison against the frame's column and makes it a
// gota filter.
func (p *parser) filter(df dataframe.DataFrame, c *comparison) (dataframe.F, error) {
	col, err := Resolve(df, c.name)
	if err != nil {
		return dataframe.F{}, p.errAt(c.namePos, "%s", err)
	}
	typ := df.Col(col).Type()
	switch {
	case typ == series.String && !c.isStr:
		return dataframe.F{}, p.errAt(c.litPos, "%s is text: compare it with a quoted string, %q", col, c.lit)
	case typ != series.String && c.isStr:
		return dataframe.F{}, p.errAt(c.litPos, "%s is a number: compare it with a number, not %q", col, c.str)
	case typ == series.String:
		return dataframe.F{Colname: col, Comparator: comparators[c.op], Comparando: c.str}, nil
	case typ == series.Int && c.num == math.Trunc(c.num) && math.Abs(c.num) < 1<<53:
		return dataframe.F{Colname: col, Comparator: comparators[c.op], Comparando: int(c.num)}, nil
	case typ == series.Int:
		// gota would truncate the fraction to the column's type: compare
		// as floats instead.
		return dataframe.F{Colname: col, Comparator: series.CompFunc, Comparando: func(e series.Element) bool {
			return !e.IsNA() && compareFloats(e.Float(), c.op, c.num)
		}}, nil
	}
	return dataframe.F{Colname: col, Comparator: comparators[c.op], Comparando: c.num}, nil
}

func compareFloats(a float64, op string, b float64) bool {
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	}
	return a >= b
}
