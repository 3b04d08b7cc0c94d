package testenv

import "testing"

func TestStrict(t *testing.T) {
	for _, tt := range []struct {
		val  string
		want bool
	}{{"", false}, {"0", false}, {"1", true}, {"yes", true}} {
		t.Setenv(StrictVar, tt.val)
		if got := Strict(); got != tt.want {
			t.Errorf("%s=%q: got Strict() %v, want %v", StrictVar, tt.val, got, tt.want)
		}
	}
}
