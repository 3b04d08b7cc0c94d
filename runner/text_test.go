package runner

import (
	"syscall"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\ttext\n", "plain\ttext\n"},
		{"\x1b[31mred\x1b[0m and \x1b[2K\x1b[1Aup", "red and up"},
		{"\x1b]0;new title\x07after", "after"},
		{"\x1b]8;;http://x\x1b\\link", "link"},
		{"bell\x07 back\x08 cr\r nul\x00 c1\u009b", "bell back cr nul c1"},
		{"ünïcode ok", "ünïcode ok"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSigName(t *testing.T) {
	if got := sigName(syscall.SIGKILL); got != "SIGKILL" {
		t.Errorf("got %q, want SIGKILL", got)
	}
	if got := sigName(syscall.Signal(40)); got != "signal 40" {
		t.Errorf("got %q, want signal 40", got)
	}
}
