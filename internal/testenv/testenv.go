package testenv

import (
	"fmt"
	"os"
	"testing"
)

// StrictVar is the environment variable that turns skips into failures.
const StrictVar = "TIEDLORA_TEST_STRICT"

// Strict reports whether missing tools fail the tests.
func Strict() bool {
	v := os.Getenv(StrictVar)
	return v != "" && v != "0"
}

// Skipf skips the test with the reason, or fails it in strict mode.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("%s (%s is set: the whole suite must run)", msg, StrictVar)
	}
	t.Skip(msg)
}
