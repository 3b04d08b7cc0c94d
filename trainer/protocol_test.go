package trainer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSpecProtocol: ReadSpec leaves the version check to the worker
// (CheckProtocol), except for a file that does not decode, which is named
// as of another version when it says it is.
func TestReadSpecProtocol(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		wantErr    string // "" for none
		check      bool   // CheckProtocol refuses the spec read
	}{
		{"this version", `{"protocol":1,"trial":"t"}`, "", false},
		{"another version", `{"protocol":2,"trial":"t"}`, "", true},
		{"no version", `{"trial":"t"}`, "", true},
		{"another version, other shape", `{"protocol":3,"trial":7}`, "spec.json: protocol 3; this worker speaks 1", false},
		{"not a spec", `{"protocol":1,"trial":7}`, "spec.json: not a spec: ", false},
	} {
		path := filepath.Join(t.TempDir(), "spec.json")
		if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := ReadSpec(path)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got %v, want no error", tt.name, err)
			continue
		}
		var ve *VersionError
		if got := errors.As(CheckProtocol(s.Protocol), &ve); got != tt.check {
			t.Errorf("%s: CheckProtocol refuses: got %v, want %v", tt.name, got, tt.check)
		}
	}
}
