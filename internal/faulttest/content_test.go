package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// copyDir copies the fault tests' content into a fresh directory a test
// may change.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A new EHR feature: one tip and a burst that carries it.
const (
	newTip = `---
id: fault-new-tip
kind: tip
title: The new allergy banner
roles: [nurse]
tags: [allergies]
---
The allergy banner now turns red for severe reactions.
`
	newBurst = `id: fault-new-burst
title: Allergy banner go-live
roles: [nurse]
departments: []
lessons:
  - fault-new-tip
pace: all-at-once
`
)

// sandboxCommand runs a slash command as a sandbox person.
func sandboxCommand(t *testing.T, base, user, text string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "channel": "dm", "text": text})
	res, err := http.Post(base+"/sandbox/api/command", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("command %q: %d %s", text, res.StatusCode, data)
	}
	var out struct{ Reply string }
	_ = json.Unmarshal(data, &out)
	return out.Reply
}

// sandboxDMs returns the text of a sandbox person's DMs, oldest first.
func sandboxDMs(t *testing.T, base, user string) []string {
	t.Helper()
	res, err := http.Get(base + "/sandbox/api/messages?user=" + user + "&channel=dm")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ms []struct{ Text string }
	if err := json.NewDecoder(res.Body).Decode(&ms); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// TestContentImportWhileRunning is the trainers' workflow with two
// processes on one database: a running `serve` and the CLI. A lesson and a
// burst imported with `huddlebot content import` and sent with `huddlebot
// burst send` reach a nurse's `/learn` within one scheduler tick, without
// a restart; `burst send` says plainly when no bot runs; and restarting
// `serve` does not undo the import — neither with the same
// HUDDLEBOT_CONTENT_DIR nor with none (the bundled samples).
func TestContentImportWhileRunning(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		dbURL := storetest.URL(t, backend)
		dir := copyDir(t, contentDir)
		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": dbURL, "HUDDLEBOT_CONTENT_DIR": dir, "HUDDLEBOT_TICK": "1s"}
		srv := newServer(t, vars)
		srv.start()

		writeFile(t, filepath.Join(dir, "nurse", "fault-new-tip.md"), newTip)
		writeFile(t, filepath.Join(dir, "bursts", "fault-new-burst.yaml"), newBurst)
		cliVars := map[string]string{"HUDDLEBOT_DATABASE_URL": dbURL, "HUDDLEBOT_TICK": "1s"}
		out := cli(t, cliVars, "content", "import", dir)
		if !strings.Contains(out, "1 added") || !strings.Contains(out, "1 running huddlebot process") {
			t.Fatalf("content import: %s", out)
		}

		// Within a tick or two the running bot has the new content.
		deadline := time.Now().Add(15 * time.Second)
		for {
			// Tara is the sandbox's trainer.
			if r := sandboxCommand(t, srv.URL(), "tara", "/burst preview fault-new-burst nurse"); strings.Contains(r, "allergy banner") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the running bot never saw the imported burst:\n%s", srv.logs())
			}
			time.Sleep(200 * time.Millisecond)
		}
		// Its planner too: Nina's /learn now is the new tip (the only
		// lesson she has not been sent).
		r := sandboxCommand(t, srv.URL(), "nina", "/learn")
		dms := sandboxDMs(t, srv.URL(), "nina")
		if len(dms) == 0 || !strings.Contains(dms[len(dms)-1], "allergy banner") {
			t.Errorf("Nina's /learn after the import: %q, newest DM %q; want the imported tip", r, dms[len(dms)-1:])
		}
		out = cli(t, cliVars, "burst", "send", "fault-new-burst")
		if strings.Contains(out, "No running huddlebot") {
			t.Errorf("burst send with serve running says none runs:\n%s", out)
		}
		if out := cli(t, cliVars, "burst", "status", "fault-new-burst"); strings.Contains(out, "⚠") {
			t.Errorf("burst status warns though the bot has the content:\n%s", out)
		}

		// A restart with the same, unchanged directory imports nothing.
		srv.stop()
		if out := cli(t, cliVars, "burst", "status", "fault-new-burst"); !strings.Contains(out, "No running huddlebot has checked in") {
			t.Errorf("burst status with no bot running does not say so:\n%s", out)
		}
		srv.start()
		if !strings.Contains(srv.logs(), "unchanged since it was last imported") {
			t.Errorf("restart re-imported an unchanged directory:\n%s", srv.logs())
		}
		srv.stop()

		// Without HUDDLEBOT_CONTENT_DIR the bundled samples must not
		// replace what the trainer imported.
		delete(srv.vars, "HUDDLEBOT_CONTENT_DIR")
		srv.start()
		srv.stop()
		db, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		c, err := db.ContentLoad(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, l := range c.Lessons {
			ids = append(ids, l.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []string{"fault-new-tip", "fault-quiz"}) {
			t.Errorf("after a restart without HUDDLEBOT_CONTENT_DIR the lessons are %v, want the trainer's import", ids)
		}
	})
}
