// Package testenv lets tests of a part that needs an outside tool (Slurm,
// Chromium, a Python with torch) skip where the tool is missing, and fail
// instead where the suite must be complete: with TIEDLORA_TEST_STRICT=1,
// which CI sets after installing everything, a missing tool is a failure
// rather than a silently smaller run.
package testenv
