package runtime

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// TestHWSimulator wires a simulated button to a simulated LED and presses
// the button through /api/hw on the editor's listener.
func TestHWSimulator(t *testing.T) {
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "off", HW: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab","label":"t"},
		{"id":"btn","type":"rpi-gpio in","z":"t","pin":"17","intype":"up","debounce":"0","read":false,"bcm":true,"wires":[["led"]]},
		{"id":"led","type":"rpi-gpio out","z":"t","pin":"22","set":true,"level":"1","out":"out","bcm":true,"wires":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}
	base := "http://" + rt.Addr()
	if led := pinLevel(t, base, 22); led != 1 {
		t.Fatalf("LED level %d before the press, want 1 (initial level)", led)
	}
	req, _ := http.NewRequest(http.MethodPut, base+"/api/hw/pins/17", strings.NewReader(`{"level":0}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /api/hw/pins/17: %d", resp.StatusCode)
	}
	for deadline := time.Now().Add(5 * time.Second); pinLevel(t, base, 22) != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the LED did not follow the button")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pinLevel reads a pin's level from GET /api/hw.
func pinLevel(t *testing.T, base string, bcm int) int {
	t.Helper()
	code, body := get(t, base+"/api/hw")
	if code != http.StatusOK {
		t.Fatalf("GET /api/hw: %d %s", code, body)
	}
	var st struct {
		Backend string `json:"backend"`
		Pins    []struct {
			BCM   int    `json:"bcm"`
			Level int    `json:"level"`
			Owner string `json:"owner"`
		} `json:"pins"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Backend != "sim" {
		t.Fatalf("GET /api/hw: %v %s", err, body)
	}
	for _, p := range st.Pins {
		if p.BCM == bcm {
			return p.Level
		}
	}
	t.Fatalf("pin %d missing from /api/hw", bcm)
	return -1
}

func TestHWOff(t *testing.T) {
	rt := startRuntime(t) // --hw off
	if code, _ := get(t, "http://"+rt.Addr()+"/api/hw"); code != http.StatusNotFound {
		t.Errorf("GET /api/hw with --hw off: %d, want 404", code)
	}
}
