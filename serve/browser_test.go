package serve_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/serve/servebench"
)

// artifactDir is where screenshots go: $SWEEP_TEST_ARTIFACTS, as the
// report's browser test, else the test's artifact directory (kept with
// go test -artifacts).
func artifactDir(t *testing.T) string {
	if d := os.Getenv("SWEEP_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.ArtifactDir()
}

// browser starts headless Chromium (Debian's chromium) over the DevTools
// protocol and collects the page's console errors and uncaught
// exceptions.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		testenv.Skipf(t, "chromium is not installed (apt-get install chromium; scripts/deps test)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1700), chromedp.Flag("disable-quic", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	var mu sync.Mutex
	var errs []string
	// Console subscribes now; ranging in a goroutine keeps the queue short.
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// waitJS evaluates a JavaScript condition until it holds.
func waitJS(ctx context.Context, t *testing.T, what, expr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (%s)", what, within, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func screenshot(ctx context.Context, t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// TestBrowserLive opens the dashboard of a running sweep in headless
// Chromium and watches, without a reload, a cell change state and the
// running attempt's loss curve grow, and a trial's page follow its trial
// to the end (state, attempts, events, curves); the console stays clean.
func TestBrowserLive(t *testing.T) {
	ctx, consoleErrors := browser(t)
	ts, _ := liveSweep(t, servebench.SweepOptions{Name: "live", Methods: []string{"lora", "tl6"}, Ranks: []int{4, 8},
		Slots: 1, Steps: 30, Delay: 150 * time.Millisecond})
	dir := artifactDir(t)
	defer func() {
		if t.Failed() {
			t.Logf("console errors: %q", consoleErrors())
			screenshot(ctx, t, dir, "serve-failed.png")
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/s/live/"), chromedp.WaitVisible(chromedp.CSS("table.matrix"))); err != nil {
		t.Fatal(err)
	}
	// A reload would lose this.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded = true; window.firstStates = [...document.querySelectorAll("td[data-cell]")].map(td => td.dataset.state).join(","); true`)); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "the stream connects", `document.getElementById("live").textContent === "live"`, 20*time.Second)
	waitJS(ctx, t, "a running attempt's chart has points", `[...document.querySelectorAll('figure.chart[data-kind="loss"]')].some(f => +f.dataset.points >= 2)`, 30*time.Second)
	first, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Math.max(...[...document.querySelectorAll('figure.chart[data-kind="loss"]')].map(f => +f.dataset.points))`))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(ctx, t, dir, "serve-sweep-running.png")
	waitJS(ctx, t, "the loss curve grows", fmt.Sprintf(`Math.max(...[...document.querySelectorAll('figure.chart[data-kind="loss"]')].map(f => +f.dataset.points)) >= %d`, first+5), 30*time.Second)
	waitJS(ctx, t, "a cell changes state", `[...document.querySelectorAll("td[data-cell]")].map(td => td.dataset.state).join(",") !== window.firstStates`, 60*time.Second)
	waitJS(ctx, t, "a cell is done", `[...document.querySelectorAll("td[data-cell]")].some(td => td.dataset.state === "done" && td.classList.contains("done"))`, 60*time.Second)
	if still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !still {
		t.Fatalf("the page reloaded (%v)", err)
	}
	screenshot(ctx, t, dir, "serve-sweep-later.png")

	// The trial page of the first trial: its spec, attempts and curves.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("td[data-cell] a")), chromedp.WaitVisible(chromedp.CSS("table.list")),
		chromedp.Click(chromedp.CSS("table.list a")), chromedp.WaitVisible(chromedp.CSS("pre.log"))); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "the trial page draws its curves", `[...document.querySelectorAll('figure.chart[data-kind="loss"]')].some(f => +f.dataset.points >= 2)`, 20*time.Second)
	screenshot(ctx, t, dir, "serve-trial.png")

	// The trial page of the last trial, which one slot runs last: its
	// state, attempts, events and curves follow it without a reload.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/s/live/"), chromedp.WaitVisible(chromedp.CSS("table.matrix")),
		chromedp.Click(chromedp.CSS("tr:last-child > td[data-cell]:last-child a")), chromedp.WaitVisible(chromedp.CSS("table.list")),
		chromedp.Click(chromedp.CSS("table.list a")), chromedp.WaitVisible(chromedp.CSS("pre.log"))); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.notReloaded = true; document.querySelector('[data-part="state"] b').dataset.state`))
	if err != nil {
		t.Fatal(err)
	}
	if state == "succeeded" {
		t.Logf("the last trial had succeeded before its page opened: its live updates are not watched")
	} else {
		waitJS(ctx, t, "the trial page's stream connects", `document.getElementById("live").textContent === "live"`, 20*time.Second)
		waitJS(ctx, t, "the trial's state turns succeeded", `document.querySelector('[data-part="state"] b').dataset.state === "succeeded"`, 90*time.Second)
		waitJS(ctx, t, "its attempt is listed, succeeded", `[...document.querySelectorAll("table.attempts td.succeeded")].length === 1`, 10*time.Second)
		waitJS(ctx, t, "its events are listed", `document.querySelector("table.events") !== null`, 10*time.Second)
		waitJS(ctx, t, "its curves are drawn", `[...document.querySelectorAll('figure.chart[data-kind="loss"]')].some(f => +f.dataset.points >= 30)`, 10*time.Second)
		if still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !still {
			t.Fatalf("the trial page reloaded (%v)", err)
		}
		screenshot(ctx, t, dir, "serve-trial-live.png")
	}

	// A finished sweep whose method is named <script>alert(1)</script>:
	// the name is text, and the page runs no script but its own.
	fx := newSite(t, "")
	fts := httptest.NewServer(fx.srv)
	defer func() {
		// The browser still holds the page's stream: leave the page first.
		chromedp.Do(ctx, chromedp.Navigate("about:blank"))
		fts.Close()
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate(fts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("table.list"))); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "the index lists the sweep named as markup, as text", `document.querySelector("table.list").textContent.includes("<script>alert(2)")`, 10*time.Second)
	screenshot(ctx, t, dir, "serve-index.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(fts.URL+"/s/fixture/"), chromedp.WaitVisible(chromedp.CSS("table.matrix"))); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "the method name shows as text", `document.querySelector("table.matrix").textContent.includes("<script>alert(1)</script>")`, 10*time.Second)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script").length`)); err != nil || n != 1 {
		t.Errorf("got %d script elements (%v), want 1: app.js", n, err)
	}
	screenshot(ctx, t, dir, "serve-fixture.png")

	// With JavaScript off the same page is complete as served: the
	// matrix, its links, the charts drawn by the server, the report frame.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/s/live/"), chromedp.WaitVisible(chromedp.CSS("table.matrix"))); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{"td[data-cell] a", "iframe.report", "#live"} {
		if _, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(sel))); err != nil {
			t.Errorf("without JavaScript: no %s (%v)", sel, err)
		}
	}
	if live, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("#live"))); err != nil || !strings.Contains(live, "static page") {
		t.Errorf("without JavaScript: got %q (%v), want the static page's note", live, err)
	}
	screenshot(ctx, t, dir, "serve-sweep-nojs.png")
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
