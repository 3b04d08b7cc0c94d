package tasks

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Small shared vocabularies of the synthetic generators. They are kept
// small on purpose: the twins must be learnable by a tiny model.

type person struct {
	name   string
	female bool
}

func (p person) subj() string { return map[bool]string{true: "She", false: "He"}[p.female] }
func (p person) obj() string  { return map[bool]string{true: "her", false: "him"}[p.female] }
func (p person) poss() string { return map[bool]string{true: "Her", false: "His"}[p.female] }

var people = []person{
	{"Anna", true}, {"Cara", true}, {"Eva", true}, {"Gina", true}, {"Ida", true}, {"Kira", true},
	{"Mia", true}, {"Olga", true}, {"Rosa", true}, {"Tina", true}, {"Vera", true}, {"Yara", true},
	{"Lena", true}, {"Nora", true}, {"Sara", true}, {"Alma", true},
	{"Ben", false}, {"Dan", false}, {"Finn", false}, {"Hugo", false}, {"Jon", false}, {"Leo", false},
	{"Nils", false}, {"Paul", false}, {"Sam", false}, {"Umar", false}, {"Will", false}, {"Zeno", false},
	{"Omar", false}, {"Ivan", false}, {"Karl", false}, {"Tom", false},
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var colours = []string{"red", "blue", "green", "yellow", "purple", "orange", "black", "white", "grey", "pink", "brown", "gold"}

// capFirst upper-cases the first (ASCII) letter.
func capFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// article returns "a" or "an" for the word w.
func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}

// jsonLine encodes v as one compact JSON line, without HTML escaping.
func jsonLine(buf *bytes.Buffer, v any) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only plain structs of strings and ints are encoded
	}
}
