package plots

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// chromiumFlags are those of headless Chromium on these machines: no
// sandbox (root), no GPU, and no background networking, which the closed
// network would refuse.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Skipf(t, "chromium is not installed (apt-get install chromium; scripts/deps test)")
	return ""
}

// runChromium opens a page with extra flags and returns stdout and the
// log on stderr.
func runChromium(t *testing.T, bin, page string, extra ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0")
	args = append(append(args, extra...), "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errOut.String())
	}
	return out.String(), errOut.String()
}

// consoleError matches what Chromium logs for a page's console errors and
// uncaught exceptions ("...:INFO:CONSOLE(3)] "Uncaught ReferenceError..."),
// and for refused resources and policy violations.
var consoleError = regexp.MustCompile(`(?m)(CONSOLE\(\d+\)\].*|Uncaught .*|Refused to .*|Failed to load resource.*)$`)

// TestChromiumRendersReport opens index.html in headless Chromium: the
// DOM has the tables and charts, the untrusted method name is text, the
// console is clean, and a screenshot is kept in $SWEEP_TEST_ARTIFACTS
// (default: the test's temporary directory).
func TestChromiumRendersReport(t *testing.T) {
	bin := chromium(t)
	page, err := filepath.Abs(filepath.Join(fixtureReport(t), "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("control", func(t *testing.T) {
		// A page that does fail, so that a clean log below means something.
		bad := filepath.Join(t.TempDir(), "bad.html")
		os.WriteFile(bad, []byte("<!DOCTYPE html><p>x</p><script>console.error('boom'); noSuchFunction();</script>"), 0o644)
		_, log := runChromium(t, bin, bad, "--dump-dom")
		if got := consoleError.FindAllString(log, -1); len(got) == 0 {
			t.Errorf("got no console error from a failing page; log:\n%s", log)
		}
	})
	dom, log := runChromium(t, bin, page, "--dump-dom")
	for _, want := range []string{`<table class="results">`, `<table class="stability">`, `<table class="matrix">`, "<svg", "Pareto front",
		"&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM has no %q", want)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Errorf("rendered DOM has a script element")
	}
	if n := strings.Count(dom, "<svg"); n < 10 {
		t.Errorf("rendered DOM has %d SVG charts, want at least 10", n)
	}
	if errs := consoleError.FindAllString(log, -1); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}

	dir := os.Getenv("SWEEP_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report-index.png")
	_, log = runChromium(t, bin, page, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars")
	if errs := consoleError.FindAllString(log, -1); len(errs) > 0 {
		t.Errorf("console errors while taking the screenshot:\n%s", strings.Join(errs, "\n"))
	}
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 20_000 {
		t.Fatalf("screenshot %s: %v (size %d); want a rendered page", shot, err, sizeOf(st))
	}
	t.Logf("screenshot: %s", shot)
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}
