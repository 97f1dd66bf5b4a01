package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// bundledSource names the bundled sample content as an import source.
const bundledSource = "(bundled sample content)"

// contentSourceOf names a content directory as an import source (its
// absolute path, so `content import ./content` and serve's
// HUDDLEBOT_CONTENT_DIR=/srv/content/ are the same source) and hashes its
// files.
func contentSourceOf(dir string) (store.ContentSource, error) {
	if dir == "" {
		h, err := contentHash(content.FS)
		return store.ContentSource{Name: bundledSource, Hash: h}, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return store.ContentSource{}, err
	}
	h, err := contentHash(os.DirFS(abs))
	return store.ContentSource{Name: filepath.Clean(abs), Hash: h}, err
}

// contentHash digests the content files of fsys (Markdown and YAML, by
// path), so an unchanged directory is recognised at the next start.
func contentHash(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(path.Ext(p))
		if d.IsDir() || (ext != ".md" && ext != ".yaml" && ext != ".yml") {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", p)
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hash content: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// startupImport decides what `serve` imports at start, so that a restart
// never silently undoes a trainer's `huddlebot content import`:
//   - HUDDLEBOT_CONTENT_DIR set: the directory is imported when its files
//     differ from the last time it was imported (by serve or the CLI), i.e.
//     when the trainer changed it; an unchanged directory leaves the
//     database's content as it is.
//   - no HUDDLEBOT_CONTENT_DIR: the bundled sample content is imported into
//     a database without content, or one whose content came from the
//     bundled set (so a new release's samples apply) — never over content a
//     trainer imported from a directory.
//
// It returns the content to import (nil: keep the database's) and a
// sentence for the log saying why.
func startupImport(ctx context.Context, db *store.DB, cfg *Config) (*lessons.Content, store.ContentSource, string, error) {
	src, err := contentSourceOf(cfg.ContentDir)
	if err != nil {
		return nil, src, "", err
	}
	src.By = "serve"
	last, haveLast, err := db.ContentLastImport(ctx)
	if err != nil {
		return nil, src, "", err
	}
	prev, err := db.ContentImportedHash(ctx, src.Name)
	if err != nil {
		return nil, src, "", err
	}
	if prev == src.Hash {
		return nil, src, fmt.Sprintf("%s is unchanged since it was last imported; keeping the database's content%s", src.Name, lastNote(last, haveLast)), nil
	}
	c, err := loadContent(cfg)
	if err != nil {
		return nil, src, "", err
	}
	if cfg.ContentDir != "" {
		return c, src, fmt.Sprintf("%s changed since it was last imported (or never was)", src.Name), nil
	}
	if haveLast && last.Name != bundledSource {
		return nil, src, "no HUDDLEBOT_CONTENT_DIR: keeping the content a trainer imported" + lastNote(last, haveLast) + " instead of the bundled samples", nil
	}
	if !haveLast {
		// A database from before imports were recorded: import the samples
		// only if it holds nothing else (a trainer's lessons would be
		// retired by them).
		cur, err := db.ContentLoad(ctx)
		if err != nil {
			return nil, src, "", err
		}
		for _, l := range cur.Lessons {
			if !slices.ContainsFunc(c.Lessons, func(b *lessons.Lesson) bool { return b.ID == l.ID }) {
				return nil, src, fmt.Sprintf("no HUDDLEBOT_CONTENT_DIR: the database holds lessons that are not bundled samples (e.g. %s); keeping them", l.ID), nil
			}
		}
	}
	return c, src, "bundled sample content", nil
}

func lastNote(last store.ContentSource, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (last import: %s by %s at %s)", last.Name, last.By, time.UnixMilli(last.At).UTC().Format(time.RFC3339))
}

// replicaID names this process for check-ins: host, pid and a random tag
// (a pid is reused across container restarts).
func replicaID() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// contentPickupNote tells a trainer whether the running bots have the
// content as it is now in the database (so a burst just sent or looked at
// will go out), in plain words; "" when they all do. A process that has not
// checked in for three ticks is taken as not running.
func contentPickupNote(ctx context.Context, db *store.DB, tick time.Duration, now time.Time) string {
	v, err := db.ContentVersion(ctx)
	if err != nil {
		return "(could not check whether the running bot has the latest content: " + err.Error() + ")"
	}
	reps, err := db.ReplicaList(ctx, now.Add(-3*tick))
	if err != nil {
		return "(could not check whether the running bot has the latest content: " + err.Error() + ")"
	}
	if len(reps) == 0 {
		return fmt.Sprintf("⚠ No running huddlebot has checked in during the last %s: nothing is delivered until `huddlebot serve` runs on this database.", 3*tick)
	}
	behind := 0
	for _, r := range reps {
		if r.ContentVersion < v {
			behind++
		}
	}
	if behind == 0 {
		return ""
	}
	return fmt.Sprintf("⚠ %d of %d running huddlebot processes have not picked up the latest content import yet; they check every %s, so deliveries start within %s (run `huddlebot burst status` to see).",
		behind, len(reps), tick, tick)
}
