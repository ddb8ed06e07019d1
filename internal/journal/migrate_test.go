package journal

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// A journal written by an older ferry (schema version 2: once keys, no
// index by scope) is brought up to date when opened: its entries and keys
// stay, the scope index is added, and a shared scope finds its keys.
func TestMigrateFromVersion2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC) }
	j, err := Open(path, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e, err := j.Claim(ctx, ClaimInfo{Pipeline: "trackingcode", Original: "in/a.csv", Work: "work/a.csv", Size: 1, SHA256: "aa", ConfigHash: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.RecordKeys(ctx, e.ID, e.Attempt, []Key{{Scope: "@versand", Key: "LI100234"}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Staged(ctx, e.ID, e.Attempt, nil); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// back to version 2, as the ferry before this one left it
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP INDEX once_keys_scope`, `DELETE FROM schema_version WHERE version > 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	j, err = Open(path, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	id, sent, err := j.KeySent(ctx, "", "@versand", "LI100234")
	if err != nil || !sent || id != e.ID {
		t.Errorf("KeySent after the upgrade: %d %v %v", id, sent, err)
	}
	var v int
	var idx string
	if err := j.db.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("version %d, %v", v, err)
	}
	if err := j.db.QueryRow(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'once_keys_scope'`).Scan(&idx); err != nil {
		t.Errorf("the scope index is missing: %v", err)
	}
}
