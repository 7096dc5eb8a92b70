package runtime

import (
	"path/filepath"
	"testing"
)

// A crash after the credentials of a deployment are written but before
// its flows are leaves the previous flows file: open must then take the
// previous credentials, kept as the backup.
func TestCredentialsFollowTheFlowsFile(t *testing.T) {
	dir := t.TempDir()
	s := Settings{DataDir: dir, FlowsFile: filepath.Join(dir, "flows.json")}
	c := newCredStore(s, nil)
	if err := c.open(""); err != nil {
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
	for _, tc := range []struct{ flowsRev, want string }{
		{"rev-new", "new"},    // both files written
		{"rev-old", "old"},    // died before the flows file was replaced
		{"rev-edited", "new"}, // a flows file edited by hand: the newest credentials
		{"", "new"},           // no flows file
	} {
		t.Run(tc.flowsRev, func(t *testing.T) {
			c := newCredStore(s, nil)
			if err := c.open(tc.flowsRev); err != nil {
				t.Fatal(err)
			}
			if got := c.current()["n1"]["user"]; got != tc.want {
				t.Errorf("user = %v, want %q", got, tc.want)
			}
		})
	}
}
