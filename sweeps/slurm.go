package sweeps

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The slurm executor's settings become #SBATCH lines of a batch script
// (runner/slurm_script.go), where every value is single-quoted. They are
// checked here, at plan time and with their place in the file, so that a
// bad one is a message about the sweep file rather than a failed sbatch
// after the database is made.

// SlurmProblem is one slurm setting that sbatch would refuse or that would
// break the batch script.
type SlurmProblem struct {
	// Key is the setting's path in the sweep file: "executor.time",
	// "executor.sbatch[2]".
	Key string
	// Value is the offending value, quoted in the message when not "".
	Value string
	Msg   string
}

func (p SlurmProblem) Error() string {
	if p.Value == "" {
		return p.Key + ": " + p.Msg
	}
	return p.Key + " " + strconv.Quote(p.Value) + ": " + p.Msg
}

// slurmTime matches the --time formats sbatch accepts: minutes, MM:SS,
// HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or unlimited.
var slurmTime = regexp.MustCompile(`^(\d+(:\d{1,2}){0,2}|\d+-\d{1,2}(:\d{1,2}){0,2}|(?i:unlimited|infinite))$`)

// gresEntry is one entry of --gres: name[[:type]:count] (sbatch(1)); the
// count may carry a K, M, G, T or P suffix, and newer Slurm versions accept
// a gres/ prefix. Type names hold letters, digits, '_', '.' and '-' (MIG
// profiles such as a100_3g.20gb).
var gresEntry = regexp.MustCompile(`^(gres/)?[A-Za-z][A-Za-z0-9_.-]*(:[A-Za-z0-9_.-]+)?(:\d+[KMGTPkmgtp]?)?$`)

// slurmMem matches --mem: a size in megabytes, or with a K, M, G or T
// suffix (0: all of a node's memory).
var slurmMem = regexp.MustCompile(`^\d+([KMGTkmgt][Bb]?)?$`)

// sbatchOption matches an option line: --name, --name=value, --name value,
// -x or -x value.
var sbatchOption = regexp.MustCompile(`^(--([A-Za-z][A-Za-z0-9-]*)([= ].*)?|-([A-Za-z])( ?.*)?)$`)

// ownOptions are the sbatch options the orchestrator sets itself or that
// would stop it from following the job: long name, short name, why.
var ownOptions = []struct{ long, short, why string }{
	{"array", "a", "the orchestrator makes the job arrays (see executor.array)"},
	{"output", "o", "Slurm's own output goes to slurm.out in the attempt directory, where the orchestrator reads it"},
	{"error", "e", "Slurm's own messages go to slurm.out in the attempt directory, where the orchestrator reads them"},
	{"chdir", "D", "each attempt runs in its own directory"},
	{"open-mode", "", "the orchestrator appends to slurm.out"},
	{"wait", "W", "sbatch would not return until the job ends"},
	{"test-only", "", "sbatch would submit nothing"},
}

// CheckSlurm checks the settings of a slurm executor, every problem at
// once, in the order of the keys.
func (e Executor) CheckSlurm() []SlurmProblem {
	var out []SlurmProblem
	add := func(key, value, format string, args ...any) {
		out = append(out, SlurmProblem{Key: key, Value: value, Msg: fmt.Sprintf(format, args...)})
	}
	for _, kv := range [][2]string{
		{"partition", e.Partition}, {"account", e.Account}, {"qos", e.QOS}, {"time", e.Time},
		{"gres", e.Gres}, {"mem", e.Mem}, {"constraint", e.Constraint},
	} {
		key, v := "executor."+kv[0], kv[1]
		switch {
		case v == "":
		case strings.ContainsAny(v, "\n\r\x00"):
			add(key, v, "a newline or NUL cannot go into a batch script")
		case kv[0] == "time" && !slurmTime.MatchString(v):
			add(key, v, "want minutes, HH:MM:SS or D-HH:MM:SS (or MM:SS, D-HH, D-HH:MM, unlimited)")
		case kv[0] == "gres":
			if !validGres(v) {
				add(key, v, "want a comma-separated list of name[:type][:count], such as gpu:1 or gpu:a100:2")
			} else if e.GPUsPerTrial > 0 && gresGPU(v) {
				add(key, v, "give GPUs by gres or by gpus_per_trial (%d), not both", e.GPUsPerTrial)
			}
		case kv[0] == "mem" && !slurmMem.MatchString(v):
			add(key, v, "want a size such as 64G, 512M or 16000 (megabytes)")
		}
	}
	for i, line := range e.SBatch {
		key := indexPath("executor.sbatch", i)
		if strings.ContainsAny(line, "\n\r\x00") {
			add(key, line, "a newline or NUL cannot go into a batch script")
			continue
		}
		m := sbatchOption.FindStringSubmatch(line)
		if m == nil {
			add(key, line, "want an sbatch option such as --exclude=node13")
			continue
		}
		if why, ok := ownOption(m[2], m[4]); ok {
			add(key, line, "not allowed: %s", why)
		}
	}
	for i, line := range e.Setup {
		if strings.IndexByte(line, 0) >= 0 {
			add(indexPath("executor.setup", i), "", "a NUL cannot go into a batch script")
		}
	}
	return out
}

// validGres reports whether sbatch can read a --gres list.
func validGres(v string) bool {
	if v == "none" {
		return true
	}
	for _, entry := range strings.Split(v, ",") {
		if !gresEntry.MatchString(entry) {
			return false
		}
	}
	return true
}

// gresGPU reports whether a --gres list asks for GPUs.
func gresGPU(v string) bool {
	for _, entry := range strings.Split(v, ",") {
		name, _, _ := strings.Cut(strings.TrimPrefix(entry, "gres/"), ":")
		if name == "gpu" {
			return true
		}
	}
	return false
}

// ownOption finds an option of ownOptions by its long name (or a prefix of
// three letters or more, which sbatch accepts as an abbreviation) or its
// short one, and says why the sweep file may not set it.
func ownOption(long, short string) (string, bool) {
	for _, o := range ownOptions {
		if long != "" && (long == o.long || (len(long) >= 3 && strings.HasPrefix(o.long, long))) {
			return o.why, true
		}
		if short != "" && short == o.short {
			return o.why, true
		}
	}
	return "", false
}

// checkSlurm reports the slurm settings' problems at their keys.
func (l *loader) checkSlurm() {
	for _, p := range l.s.File.Executor.CheckSlurm() {
		if l.broken(p.Key) {
			continue
		}
		at := p.Key
		if !l.posKnown(at) {
			at = "executor"
		}
		l.errAt(at, "%s", p.Error())
	}
}
