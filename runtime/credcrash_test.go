package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flowgate/flowgate/flows"
)

// A crash after the credentials of a deployment are written but before
// its flows are leaves the previous flows file: open must then take the
// previous credentials, kept as the backup.
func TestCredentialsFollowTheFlowsFile(t *testing.T) {
	dir := t.TempDir()
	s := Settings{DataDir: dir, FlowsFile: filepath.Join(dir, "flows.json")}
	c := newCredStore(s, nil)
	if _, err := c.open("rev-old"); err != nil {
		t.Fatal(err)
	}
	old := map[string]map[string]any{"n1": {"user": "old"}}
	neu := map[string]map[string]any{"n1": {"user": "new"}}
	if err := c.save(old, "rev-old"); err != nil {
		t.Fatal(err)
	}
	if err := c.save(neu, "rev-new"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flowsRev, want string
		pick           credPick
	}{
		{"rev-new", "new", pickCurrent},      // both files written
		{"rev-old", "old", pickBackup},       // died before the flows file was replaced
		{"rev-edited", "new", pickUnmatched}, // a flows file edited by hand: the newest credentials
		{"", "new", pickCurrent},             // no flows file
	} {
		t.Run(tc.flowsRev, func(t *testing.T) {
			c := newCredStore(s, nil)
			pick, err := c.open(tc.flowsRev)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.current()["n1"]["user"]; got != tc.want || pick != tc.pick {
				t.Errorf("user = %v (%s), want %q (%s)", got, pick, tc.want, tc.pick)
			}
		})
	}
}

// crashDisk is a data directory whose flows and credentials are written
// as the runtime writes them (credentials first, then flows); a crash
// is a deploy that stops after the credentials.
type crashDisk struct {
	t     *testing.T
	s     Settings
	store flows.Store
	creds *credStore
}

// restart opens the directory as a starting runtime does.
func (d *crashDisk) restart() (*flows.Config, credPick) {
	d.t.Helper()
	cfg, err := d.store.Load()
	if err != nil {
		d.t.Fatal(err)
	}
	d.creds = newCredStore(d.s, nil)
	pick, err := d.creds.open(cfg.Rev)
	if err != nil {
		d.t.Fatal(err)
	}
	return cfg, pick
}

// deploy persists the flows of version v with credential user u<v>, or
// only their credentials when crash is set.
func (d *crashDisk) deploy(v string, crash bool) {
	d.t.Helper()
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"` + v + `"},{"id":"n1","type":"http request","z":"t"}]`))
	if err != nil {
		d.t.Fatal(err)
	}
	if err := d.creds.save(map[string]map[string]any{"n1": {"user": "u" + v}}, cfg.Rev); err != nil {
		d.t.Fatal(err)
	}
	if crash {
		return
	}
	if err := d.store.Save(cfg); err != nil {
		d.t.Fatal(err)
	}
}

// running returns the version of the stored flows and the credential
// user loaded with them.
func (d *crashDisk) running(cfg *flows.Config) (version string, user any) {
	props, err := cfg.Nodes[0].Props()
	if err != nil {
		d.t.Fatal(err)
	}
	return string(props["label"][1 : len(props["label"])-1]), d.creds.current()["n1"]["user"]
}

// TestCredentialsDoubleCrash: deploy A, deploy B and crash after its
// credentials, restart, deploy B again and crash at the same moment: the
// flows of A must run with A's credentials, never B's (the second save
// used to copy B's credentials file, kept after the first crash, into the
// backup).
func TestCredentialsDoubleCrash(t *testing.T) {
	dir := t.TempDir()
	s := Settings{DataDir: dir, FlowsFile: filepath.Join(dir, "flows.json")}
	d := &crashDisk{t: t, s: s, store: flows.Store{Path: s.FlowsFile}}
	d.restart()
	d.deploy("A", false)
	for crash := range 3 {
		d.deploy("B", true)
		cfg, pick := d.restart()
		if v, user := d.running(cfg); v != "A" || user != "uA" || pick != pickBackup {
			t.Fatalf("after crash %d: flows %s with user %v (%s), want A with uA from the backup", crash+1, v, user, pick)
		}
	}
	d.deploy("B", false)
	cfg, pick := d.restart()
	if v, user := d.running(cfg); v != "B" || user != "uB" || pick != pickCurrent {
		t.Fatalf("after a whole deploy: flows %s with user %v (%s), want B with uB", v, user, pick)
	}
}

// TestCredentialsOfOtherFlowsDropped: when neither credentials file was
// saved with the stored flows and the current one says it replaced
// them, no credentials are loaded rather than another deploy's.
func TestCredentialsOfOtherFlowsDropped(t *testing.T) {
	dir := t.TempDir()
	s := Settings{DataDir: dir, FlowsFile: filepath.Join(dir, "flows.json")}
	d := &crashDisk{t: t, s: s, store: flows.Store{Path: s.FlowsFile}}
	d.restart()
	d.deploy("A", false)
	d.deploy("B", true)
	if err := os.Remove(d.creds.backupPath()); err != nil {
		t.Fatal(err)
	}
	cfg, pick := d.restart()
	if v, user := d.running(cfg); v != "A" || user != nil || pick != pickDropped {
		t.Fatalf("flows %s with user %v (%s), want A without credentials (dropped)", v, user, pick)
	}
}
