package tasks

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// syn-dialogsum: short everyday dialogues between #Person1# and #Person2#
// (meeting up, shopping, a lost item, booking a table, a doctor's visit,
// weekend plans) to be condensed into one line. The summary depends on
// what the dialogue settles (a changed day, a refused price), not only on
// its first words. Written as DialogSum JSON Lines: train and dev lines
// have one "summary" (one of three phrasings, at random), test lines have
// "summary1".."summary3" (all three), as the DialogSum test set has.
//
// Difficulty: 1: four to seven turns, sometimes a change of plan; 2: also
// a greeting and small talk, changes of plan more often; 3: more small
// talk, before and after.

type dialogue struct {
	turns     []string // alternating speakers, starting with first
	first     int      // 1 or 2: who speaks first
	summaries []string // three phrasings
	topic     string
}

var dsPlaces = []string{"park", "library", "station", "cafe", "museum", "market", "cinema", "gym", "bakery", "beach"}
var dsItems = []string{"jacket", "lamp", "backpack", "scarf", "watch", "kettle", "umbrella", "chair", "bike", "clock"}
var dsThings = []struct {
	name   string
	plural bool
}{{"keys", true}, {"wallet", false}, {"glasses", true}, {"ticket", false}, {"hat", false}, {"phone", false}, {"gloves", true}}
var dsRooms = []string{"kitchen", "bedroom", "car", "garden", "office", "hall", "bathroom"}
var dsSymptoms = []string{"headache", "cough", "fever", "sore throat", "stomach ache", "cold"}
var dsActs = []string{"go hiking", "go fishing", "paint the fence", "watch a film", "bake a cake", "clean the garage", "play tennis", "visit the zoo"}
var dsNumbers = []string{"two", "three", "four", "five", "six", "seven", "eight"}
var dsSmallTalk = [][2]string{
	{"It is cold today.", "Yes, very cold."},
	{"How was your week?", "Busy, but fine."},
	{"Did you see the game?", "No, I missed it."},
	{"Nice weather, isn't it?", "Yes, it is sunny."},
	{"I like your coat.", "Thanks, it is new."},
	{"Are you tired?", "A little."},
}

func dsTime(r *rng) string { return strconv.Itoa(r.between(1, 9)) + " pm" }

var dialogueFrames = []func(r *rng, d int) dialogue{
	// meeting up, sometimes on another day than first asked
	func(r *rng, d int) dialogue {
		day := pick(r, weekdays)
		place, t := pick(r, dsPlaces), dsTime(r)
		turns := []string{"Are you free on " + day + "?"}
		if r.chance(d, 4) {
			day2 := pick(r, weekdays)
			for day2 == day {
				day2 = pick(r, weekdays)
			}
			turns = append(turns, "No, I am busy on "+day+". How about "+day2+"?", day2+" is fine.", "Good. Where shall we meet?")
			day = day2
		} else {
			turns = append(turns, "Yes. What do you have in mind?")
		}
		turns = append(turns, "Let's meet at the "+place+" at "+t+".", "Great, see you there.")
		return dialogue{turns: turns, first: 1, topic: "meeting", summaries: []string{
			"#Person1# and #Person2# will meet at the " + place + " at " + t + " on " + day + ".",
			"#Person1# invites #Person2# to meet at the " + place + " on " + day + " at " + t + ".",
			"They agree to meet at the " + place + " on " + day + " at " + t + ".",
		}}
	},
	// shopping: buys, or finds it too expensive
	func(r *rng, d int) dialogue {
		item, col := pick(r, dsItems), pick(r, colours)
		price := strconv.Itoa(5 * r.between(2, 19))
		turns := []string{"Hello, can I help you?", "I am looking for " + article(item) + " " + item + ".",
			"This " + col + " one costs " + price + " dollars."}
		if r.chance(1, 2) {
			turns = append(turns, "Good, I will take it.")
			return dialogue{turns: turns, first: 2, topic: "shopping", summaries: []string{
				"#Person1# buys " + article(col) + " " + col + " " + item + " for " + price + " dollars.",
				"#Person1# pays " + price + " dollars for " + article(col) + " " + col + " " + item + ".",
				"#Person2# sells #Person1# " + article(col) + " " + col + " " + item + " for " + price + " dollars.",
			}}
		}
		turns = append(turns, "That is too expensive for me.")
		return dialogue{turns: turns, first: 2, topic: "shopping", summaries: []string{
			"#Person1# does not buy the " + col + " " + item + " because it costs " + price + " dollars.",
			"#Person1# thinks the " + item + " is too expensive at " + price + " dollars.",
			"#Person1# wants " + article(item) + " " + item + " but " + price + " dollars is too much.",
		}}
	},
	// a lost item
	func(r *rng, d int) dialogue {
		th := pick(r, dsThings)
		rooms := sample(r, dsRooms, 2)
		be, was := "it is", "is"
		if th.plural {
			be, was = "they are", "are"
		}
		turns := []string{"I can't find my " + th.name + ".", "Did you look in the " + rooms[0] + "?",
			"Yes, " + be + " not there.", "Then check the " + rooms[1] + "."}
		return dialogue{turns: turns, first: 1, topic: "lost item", summaries: []string{
			"#Person1# lost the " + th.name + " and #Person2# suggests the " + rooms[1] + ".",
			"#Person2# tells #Person1# to look for the " + th.name + " in the " + rooms[1] + ".",
			"#Person1# can't find the " + th.name + ", which " + was + " not in the " + rooms[0] + ".",
		}}
	},
	// booking a table
	func(r *rng, d int) dialogue {
		n, t, day := pick(r, dsNumbers), dsTime(r), pick(r, weekdays)
		turns := []string{"Hello, how can I help?", "I want a table for " + n + " people.", "For what time?",
			"At " + t + " on " + day + "."}
		if r.chance(d, 4) {
			t2 := dsTime(r)
			for t2 == t {
				t2 = dsTime(r)
			}
			turns = append(turns, "Sorry, we are full then. Is "+t2+" OK?", "Yes, "+t2+" is OK.")
			t = t2
		}
		turns = append(turns, "Fine, your table is booked.")
		return dialogue{turns: turns, first: 2, topic: "booking", summaries: []string{
			"#Person1# books a table for " + n + " people at " + t + " on " + day + ".",
			"#Person2# books a table for " + n + " at " + t + " on " + day + " for #Person1#.",
			"#Person1# reserves a table for " + n + " on " + day + " at " + t + ".",
		}}
	},
	// at the doctor's
	func(r *rng, d int) dialogue {
		sym, k := pick(r, dsSymptoms), pick(r, dsNumbers)
		freq := pick(r, []string{"once", "twice", "three times"})
		turns := []string{"What is the problem?", "I have " + article(sym) + " " + sym + ".",
			"How long have you had it?", "For " + k + " days.", "Take this medicine " + freq + " a day."}
		return dialogue{turns: turns, first: 1, topic: "health", summaries: []string{
			"#Person2# has had " + article(sym) + " " + sym + " for " + k + " days and gets medicine.",
			"#Person1# tells #Person2# to take medicine " + freq + " a day for the " + sym + ".",
			"#Person2# has " + article(sym) + " " + sym + " and must take medicine " + freq + " a day.",
		}}
	},
	// weekend plans, together or alone
	func(r *rng, d int) dialogue {
		day, act := pick(r, weekdays), pick(r, dsActs)
		turns := []string{"What will you do on " + day + "?", "I want to " + act + ".", "Can I come with you?"}
		if r.chance(1, 2) {
			turns = append(turns, "Sure, let's go together.")
			return dialogue{turns: turns, first: 1, topic: "plans", summaries: []string{
				"#Person2# will " + act + " with #Person1# on " + day + ".",
				"#Person1# and #Person2# will " + act + " together on " + day + ".",
				"On " + day + ", #Person1# joins #Person2# to " + act + ".",
			}}
		}
		turns = append(turns, "Sorry, I want to go alone.")
		return dialogue{turns: turns, first: 1, topic: "plans", summaries: []string{
			"#Person2# will " + act + " alone on " + day + ".",
			"#Person2# wants to " + act + " on " + day + " without #Person1#.",
			"On " + day + ", #Person2# will " + act + " alone.",
		}}
	},
}

// makeDialogue adds greetings and small talk around a frame.
func makeDialogue(r *rng, d int) (dialogue, string) {
	dl := dialogueFrames[r.intn(len(dialogueFrames))](r, d)
	var pre []string
	if d >= 2 && r.chance(1, 2) {
		pre = append(pre, "Hi, "+pick(r, people).name+".", "Hello!")
	}
	talk := sample(r, dsSmallTalk, d) // distinct exchanges
	for _, st := range talk[:d-1] {
		pre = append(pre, st[0], st[1])
	}
	if len(pre) > 0 {
		// the frame keeps its first speaker after an even number of turns
		dl.turns = append(pre, dl.turns...)
	}
	if d == 3 && r.chance(1, 2) {
		st := talk[d-1]
		dl.turns = append(dl.turns, st[0], st[1])
	}
	var b strings.Builder
	for i, t := range dl.turns {
		who := (dl.first-1+i)%2 + 1
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "#Person%d#: %s", who, t)
	}
	return dl, b.String()
}

type synDialogTrain struct {
	Fname    string `json:"fname"`
	Dialogue string `json:"dialogue"`
	Summary  string `json:"summary"`
	Topic    string `json:"topic"`
}

type synDialogTest struct {
	Fname    string `json:"fname"`
	Dialogue string `json:"dialogue"`
	Summary1 string `json:"summary1"`
	Summary2 string `json:"summary2"`
	Summary3 string `json:"summary3"`
	Topic1   string `json:"topic1"`
	Topic2   string `json:"topic2"`
	Topic3   string `json:"topic3"`
}

func genDialogSum(p genParams) []genSplit {
	names := map[string]string{Train: "dialogsum.train.jsonl", Validation: "dialogsum.dev.jsonl", Test: "dialogsum.test.jsonl"}
	prefix := map[string]string{Train: "train", Validation: "dev", Test: "test"}
	seen := map[string]bool{}
	var out []genSplit
	for _, split := range genOrder {
		r := p.rand(split)
		type item struct {
			d    dialogue
			text string
			pick int
		}
		items := dedup(r, p.count(split), seen, func(r *rng) (item, string) {
			d, text := makeDialogue(r, p.difficulty)
			return item{d, text, r.intn(len(d.summaries))}, text
		})
		var buf bytes.Buffer
		for i, it := range items {
			fname := fmt.Sprintf("%s_%d", prefix[split], i)
			if split == Test {
				s := it.d.summaries
				jsonLine(&buf, synDialogTest{Fname: fname, Dialogue: it.text, Summary1: s[0], Summary2: s[1], Summary3: s[2],
					Topic1: it.d.topic, Topic2: it.d.topic, Topic3: it.d.topic})
			} else {
				jsonLine(&buf, synDialogTrain{Fname: fname, Dialogue: it.text, Summary: it.d.summaries[it.pick], Topic: it.d.topic})
			}
		}
		out = append(out, genSplit{split: split, files: []File{{names[split], buf.Bytes()}}, data: names[split], count: len(items)})
	}
	return out
}
