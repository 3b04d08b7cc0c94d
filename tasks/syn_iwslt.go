package tasks

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// syn-iwslt: a toy source language with its own words and word order,
// translated into plain English. The toy language is verb-final (subject,
// place, object, negation, verb), puts adjectives after nouns and
// postpositions after places, marks the plural with -n and the past with
// -ti, and puts time words first; English needs the usual order, a/an,
// irregular plurals and past forms, -s agreement and do-support for
// negation ("did not see"). Names are copied. The language is fixed; the
// seed only chooses sentences. Written as IWSLT 2017 files: train as the
// parallel train.tags.de-en.{de,en} with <url>/<talkid>/<title> lines, and
// validation and test as IWSLT XML (<doc docid><seg id>).
//
// Difficulty: 1: one clause, an adjective or a place now and then;
// 2: more adjectives and places, and time words; 3: two clauses joined by
// "and" or "but".

type toyNoun struct {
	sg, pl, toy string
	animate     bool
}

type toyVerb struct{ base, s3, past, toy string }

type toyWord struct{ en, toy string }

var toyNouns = []toyNoun{
	{"dog", "dogs", "hundo", true}, {"cat", "cats", "miro", true}, {"bird", "birds", "pipo", true},
	{"horse", "horses", "ferdo", true}, {"child", "children", "kindo", true}, {"farmer", "farmers", "bauro", true},
	{"teacher", "teachers", "lero", true}, {"girl", "girls", "meto", true}, {"boy", "boys", "bubo", true},
	{"woman", "women", "fema", true}, {"man", "men", "viro", true}, {"mouse", "mice", "muso", true},
	{"apple", "apples", "aplo", false}, {"book", "books", "libo", false}, {"ball", "balls", "balo", false},
	{"cake", "cakes", "kuko", false}, {"letter", "letters", "brivo", false}, {"flower", "flowers", "blumo", false},
	{"box", "boxes", "kasto", false}, {"hat", "hats", "capo", false}, {"egg", "eggs", "ovo", false},
	{"key", "keys", "klavo", false},
}

var toyVerbs = []toyVerb{
	{"see", "sees", "saw", "vida"}, {"like", "likes", "liked", "ama"}, {"find", "finds", "found", "trova"},
	{"carry", "carries", "carried", "porta"}, {"follow", "follows", "followed", "sekva"},
	{"watch", "watches", "watched", "gucka"}, {"hold", "holds", "held", "tena"}, {"want", "wants", "wanted", "vola"},
	{"paint", "paints", "painted", "pinta"}, {"help", "helps", "helped", "hilfa"}, {"eat", "eats", "ate", "manja"},
	{"catch", "catches", "caught", "kapta"},
}

var toyAdjs = []toyWord{
	{"big", "gran"}, {"small", "peti"}, {"red", "roja"}, {"old", "vecha"}, {"happy", "feli"},
	{"black", "nera"}, {"young", "juna"}, {"white", "blanka"}, {"green", "verda"}, {"lazy", "pigra"},
}

var toyPlaces = []toyWord{
	{"garden", "gardo"}, {"house", "domo"}, {"park", "parko"}, {"school", "skolo"}, {"forest", "foresto"}, {"kitchen", "kuino"},
}

var toyPreps = []toyWord{{"in", "ina"}, {"near", "apud"}, {"behind", "post"}}

var toyNames = []string{"Anna", "Ben", "Cara", "Dan", "Eva", "Finn", "Hugo", "Mia"}

// toyNP is a noun phrase in both languages.
type toyNP struct {
	en, toy []string
	plural  bool
}

func makeNP(r *rng, d int, animate bool) toyNP {
	if animate && r.chance(1, 5) {
		n := pick(r, toyNames)
		return toyNP{en: []string{n}, toy: []string{n}}
	}
	var cands []toyNoun
	for _, n := range toyNouns {
		if !animate || n.animate {
			cands = append(cands, n)
		}
	}
	n := pick(r, cands)
	plural := r.chance(1, 3)
	var adj *toyWord
	if r.chance(d, d+2) {
		a := pick(r, toyAdjs)
		adj = &a
	}
	noun, tn := n.sg, n.toy
	if plural {
		noun, tn = n.pl, n.toy+"n"
	}
	var np toyNP
	np.plural = plural
	var det, toyDet string
	switch {
	case r.chance(1, 2):
		det, toyDet = "the", "la"
	case plural:
		det, toyDet = "some", "kel"
	default:
		next := noun
		if adj != nil {
			next = adj.en
		}
		det, toyDet = article(next), "un"
	}
	np.en = append(np.en, det)
	np.toy = append(np.toy, toyDet, tn)
	if adj != nil {
		np.en = append(np.en, adj.en)
		np.toy = append(np.toy, adj.toy)
	}
	np.en = append(np.en, noun)
	return np
}

// makeClause returns one clause in English and in the toy language, and
// whether it is in the past (for time words).
func makeClause(r *rng, d int, past bool) (en, toy []string) {
	subj := makeNP(r, d, true)
	obj := makeNP(r, d, false)
	if r.chance(1, 4) {
		obj = makeNP(r, d, true)
	}
	v := pick(r, toyVerbs)
	neg := r.chance(1, 4)
	en = append(en, subj.en...)
	toy = append(toy, subj.toy...)
	switch {
	case neg && past:
		en = append(en, "did", "not", v.base)
	case neg && subj.plural:
		en = append(en, "do", "not", v.base)
	case neg:
		en = append(en, "does", "not", v.base)
	case past:
		en = append(en, v.past)
	case subj.plural:
		en = append(en, v.base)
	default:
		en = append(en, v.s3)
	}
	en = append(en, obj.en...)
	if r.chance(d, d+3) {
		pl, pr := pick(r, toyPlaces), pick(r, toyPreps)
		en = append(en, pr.en, "the", pl.en)
		toy = append(toy, "la", pl.toy, pr.toy)
	}
	toy = append(toy, obj.toy...)
	if neg {
		toy = append(toy, "ne")
	}
	verb := v.toy
	if past {
		verb += "ti"
	}
	toy = append(toy, verb)
	return en, toy
}

func makeToySentence(r *rng, d int) (en, toy string) {
	past := r.chance(1, 2)
	e, t := makeClause(r, d, past)
	if d >= 3 && r.chance(1, 2) {
		conj := pick(r, []toyWord{{"and", "kaj"}, {"but", "sed"}})
		e2, t2 := makeClause(r, d, past)
		e = append(append(e, conj.en), e2...)
		t = append(append(t, conj.toy), t2...)
	}
	if d >= 2 && r.chance(1, 3) {
		tw := toyWord{"today", "hodi"}
		if past {
			tw = toyWord{"yesterday", "jeri"}
		}
		e = append(e, tw.en)
		t = append([]string{tw.toy}, t...)
	}
	return capFirst(strings.Join(e, " ")) + ".", capFirst(strings.Join(t, " ")) + "."
}

func genIWSLT(p genParams) []genSplit {
	seen := map[string]bool{}
	var out []genSplit
	for _, split := range genOrder {
		r := p.rand(split)
		pairs := dedup(r, p.count(split), seen, func(r *rng) ([2]string, string) {
			en, toy := makeToySentence(r, p.difficulty)
			return [2]string{toy, en}, toy
		})
		var gs genSplit
		if split == Train {
			var de, en bytes.Buffer
			for i, pr := range pairs {
				if i%50 == 0 {
					talk := i/50 + 1
					for _, b := range []*bytes.Buffer{&de, &en} {
						fmt.Fprintf(b, "<url>http://example.org/synthetic/talk/%d</url>\n<talkid>%d</talkid>\n<title>Synthetic talk %d</title>\n", talk, talk, talk)
					}
				}
				de.WriteString(pr[0] + "\n")
				en.WriteString(pr[1] + "\n")
			}
			gs = genSplit{split: split, data: "train.tags.de-en.de", files: []File{
				{"train.tags.de-en.de", de.Bytes()}, {"train.tags.de-en.en", en.Bytes()}}}
		} else {
			set := map[string]string{Validation: "dev2010", Test: "tst2010"}[split]
			base := "IWSLT17.TED." + set + ".de-en."
			gs = genSplit{split: split, data: base + "de.xml", files: []File{
				{base + "de.xml", iwsltXML(pairs, 0, set, false)},
				{base + "en.xml", iwsltXML(pairs, 1, set, true)}}}
		}
		gs.count = len(pairs)
		out = append(out, gs)
	}
	return out
}

// iwsltXML writes one side of an IWSLT dev/test set, 25 segments a talk.
func iwsltXML(pairs [][2]string, side int, set string, ref bool) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mteval>\n")
	if ref {
		fmt.Fprintf(&b, "<refset setid=\"iwslt2017-%s\" srclang=\"german\" trglang=\"english\" refid=\"ref\">\n", set)
	} else {
		fmt.Fprintf(&b, "<srcset setid=\"iwslt2017-%s\" srclang=\"german\">\n", set)
	}
	for i, pr := range pairs {
		doc := i/25 + 1
		if i%25 == 0 {
			if i > 0 {
				b.WriteString("</doc>\n")
			}
			fmt.Fprintf(&b, "<doc docid=\"%d\" genre=\"lectures\">\n<talkid>%d</talkid>\n<title>Synthetic talk %d</title>\n", doc, doc, doc)
		}
		fmt.Fprintf(&b, "<seg id=\"%d\"> ", i%25+1)
		xml.EscapeText(&b, []byte(pr[side]))
		b.WriteString(" </seg>\n")
	}
	if len(pairs) > 0 {
		b.WriteString("</doc>\n")
	}
	if ref {
		b.WriteString("</refset>\n</mteval>\n")
	} else {
		b.WriteString("</srcset>\n</mteval>\n")
	}
	return b.Bytes()
}
