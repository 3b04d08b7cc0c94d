package runner

import (
	"bytes"
	"regexp"
	"testing"
)

// TestLogReporterDates: each log line starts with the date and time, so
// a log read days later still says when.
func TestLogReporterDates(t *testing.T) {
	var buf bytes.Buffer
	l := &LogReporter{W: &buf}
	l.Planned(4, 2, nil)
	l.Note("hello")
	re := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} `)
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %q", len(lines), buf.String())
	}
	for _, line := range lines {
		if !re.Match(line) {
			t.Errorf("got %q, want it to start with YYYY-MM-DD HH:MM:SS", line)
		}
	}
}
