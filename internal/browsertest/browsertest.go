// Package browsertest starts headless Chromium for the tests that drive a
// page (the sandbox chat, the dashboard) through chromedp.
package browsertest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium to drive: Debian's /usr/bin/chromium (CI
// installs it) or another Chromium-based browser on PATH. Without one the
// test is skipped, or fails when HUDDLEBOT_TEST_REQUIRE_BROWSER is set.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if v := strings.ToLower(os.Getenv("HUDDLEBOT_TEST_REQUIRE_BROWSER")); v != "" && v != "0" && v != "false" {
		t.Fatal("HUDDLEBOT_TEST_REQUIRE_BROWSER is set but no chromium is installed (apt-get install -y chromium)")
	}
	t.Skip("chromium not installed (apt-get install -y chromium); set HUDDLEBOT_TEST_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// Options are the allocator options of a quiet, reproducible headless
// Chromium (Path, or skip) with a window of width × height and a fresh
// profile in the test's temporary directory; callers add their own (e.g.
// chromedp.CombinedOutput). Cancel the browser before the test ends: its
// profile directory is removed then.
func Options(t testing.TB, width, height int) []chromedp.ExecAllocatorOption {
	t.Helper()
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
}
