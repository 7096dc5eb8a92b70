package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/runtime/fleet"
)

func TestFleetSettingsFromFileAndFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(file, []byte("fleet:\n  broker: mqtt://broker.lan:1883\n  id: gw1\n  group: barn\n  pub: /etc/flowgate/fleet.pub\n  username: gw1\n  password: s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Settings{File: file, Fleet: fleet.Settings{ID: "from-flag"}}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	want := fleet.Settings{Broker: "mqtt://broker.lan:1883", ID: "from-flag", Group: "barn", Pub: "/etc/flowgate/fleet.pub", Username: "gw1", Password: "s3cret"}
	if d := cmp.Diff(want, s.Fleet); d != "" {
		t.Errorf("fleet settings (-want +got):\n%s", d)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check = %v", err)
	}
	for name, f := range map[string]fleet.Settings{
		"id with a slash": {Broker: "mqtt://b:1883", ID: "a/b"},
		"no id":           {Broker: "mqtt://b:1883"},
		"wildcard group":  {Broker: "mqtt://b:1883", ID: "a", Group: "+"},
		"http broker":     {Broker: "http://b", ID: "a"},
	} {
		t.Run(name, func(t *testing.T) {
			s := Settings{Fleet: f}
			if err := s.Check(); err == nil || !strings.Contains(err.Error(), "fleet") {
				t.Errorf("Check = %v, want an error naming the fleet setting", err)
			}
		})
	}
}
