package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/hw"
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

// fakePi writes a Raspberry Pi's model where hw.DetectPi looks, under a
// temporary root, with /dev/gpiochip0 when chip is set.
func fakePi(t *testing.T, chip bool) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"proc/device-tree", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "proc/device-tree/model"), []byte("Raspberry Pi 4 Model B Rev 1.5\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if chip {
		if err := os.WriteFile(filepath.Join(root, "dev/gpiochip0"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestHWAutoOnPiNeverSilent: on a Pi where periph.io fails, auto runs the
// simulator but says so, with the fix, in the log, in /api/hw (the
// editor's hardware panel) and under every hardware node.
func TestHWAutoOnPiNeverSilent(t *testing.T) {
	denied := func() (hw.Board, error) {
		return nil, fmt.Errorf("periph: open /dev/gpiochip0: %w", fs.ErrPermission)
	}
	tests := []struct {
		name    string
		root    func(t *testing.T) string
		open    func() (hw.Board, error)
		backend string
		notice  string // "" : none
	}{
		{"not a Pi", func(t *testing.T) string { return t.TempDir() }, denied, "sim", ""},
		{"Pi, permission denied", func(t *testing.T) string { return fakePi(t, true) }, denied, "sim", "usermod -aG gpio"},
		{"Pi, no gpiochip", func(t *testing.T) string { return fakePi(t, false) }, denied, "sim", "no /dev/gpiochip"},
		{"Pi, periph works", func(t *testing.T) string { return fakePi(t, true) }, func() (hw.Board, error) { return hw.NewSim(), nil }, "sim", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHWOn(Settings{HW: "auto", MaxBodyBytes: 1 << 10}, machine{root: tt.root(t), open: tt.open})
			if err != nil {
				t.Fatal(err)
			}
			notice := h.pins.Notice()
			if (tt.notice == "") != (notice == "") || !strings.Contains(notice, tt.notice) {
				t.Fatalf("notice %q, want one containing %q", notice, tt.notice)
			}
			if tt.notice != "" && !strings.Contains(notice, "Raspberry Pi 4 Model B") {
				t.Errorf("notice %q does not name the model", notice)
			}
			rec := httptest.NewRecorder()
			h.api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/hw", nil))
			var got struct{ Backend, Notice string }
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Backend != tt.backend || got.Notice != notice {
				t.Errorf("GET /api/hw = %s, want backend %s and the notice", rec.Body.String(), tt.backend)
			}
		})
	}
	t.Run("--hw periph on a Pi names the fix", func(t *testing.T) {
		_, err := newHWOn(Settings{HW: "periph"}, machine{root: fakePi(t, true), open: denied})
		if err == nil || !strings.Contains(err.Error(), "gpio group") {
			t.Fatalf("err = %v, want the fix", err)
		}
	})
}

// TestHWShutdownReleasesParkedPins: pins the nodes parked when they closed
// go back to the system at shutdown.
func TestHWShutdownReleasesParkedPins(t *testing.T) {
	h, err := newHWOn(Settings{HW: "sim"}, realMachine)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := h.pins.Claim(22, "relay")
	_ = l.Out(hw.High)
	l.Park()
	if err := h.close(); err != nil {
		t.Fatal(err)
	}
	if p := h.board.(*hw.Sim).SimPin(22); p.Requested() {
		t.Errorf("parked pin still requested after shutdown: %+v", p.State())
	}
}
