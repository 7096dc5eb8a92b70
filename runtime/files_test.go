package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// fileSettingsRuntime starts a runtime whose settings file sets the exec
// switch, fileWorkingDirectory and fileAllowDirs.
func fileSettingsRuntime(t *testing.T, yaml string) *Runtime {
	t.Helper()
	file := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "off", HW: "off", File: file}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	rt, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}

func TestExecDisabledSetting(t *testing.T) {
	rt := fileSettingsRuntime(t, "execDisabled: true\n")
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab"},{"id":"ex1","type":"exec","z":"t","command":"echo","addpay":"payload","append":"","useSpawn":"false","timer":"","winHide":false,"wires":[[],[],[]]}]`))
	if err != nil {
		t.Fatal(err)
	}
	// the deploy goes on (as Node-RED's would); the node reports the
	// setting at start and runs nothing
	if _, err = rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if st := rt.eng.Statuses()["ex1"]; st.Fill != "red" || !strings.Contains(st.Text, "disabled") {
		t.Errorf("status of ex1 = %+v, want red naming the setting", st)
	}
	if n, _ := rt.eng.Node("ex1"); n != nil {
		if _, ok := n.(engine.Handler); ok {
			t.Error("a disabled exec node takes messages")
		}
	}
}

func TestFileWorkingDirectorySetting(t *testing.T) {
	wd, other := t.TempDir(), t.TempDir()
	rt := fileSettingsRuntime(t, "fileWorkingDirectory: "+wd+"\nfileAllowDirs: ["+wd+"]\n")
	t.Run("relative name lands under it", func(t *testing.T) {
		cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab"},
			{"id":"inj","type":"inject","z":"t","props":[{"p":"payload"}],"payload":"hello","payloadType":"str","once":true,"onceDelay":0,"wires":[["f"]]},
			{"id":"f","type":"file","z":"t","filename":"rel.txt","filenameType":"str","overwriteFile":"true","appendNewline":false,"createDir":false,"encoding":"none","wires":[[]]}]`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(wd, "rel.txt")
		deadline := time.Now().Add(5 * time.Second)
		for {
			if b, err := os.ReadFile(name); err == nil && string(b) == "hello" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s was not written", name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("outside the allow list is refused", func(t *testing.T) {
		bad := filepath.Join(other, "x.txt")
		cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab"},
			{"id":"f2","type":"file in","z":"t","filename":"` + bad + `","filenameType":"str","format":"utf8","encoding":"none","wires":[[]]}]`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err = rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
			t.Fatalf("deploy: %v", err)
		}
		// the node reports it at start and touches no file
		if st := rt.eng.Statuses()["f2"]; st.Fill != "red" || !strings.Contains(st.Text, "file path") {
			t.Errorf("status of f2 = %+v, want red naming the file path", st)
		}
		if n, _ := rt.eng.Node("f2"); n != nil {
			if _, ok := n.(engine.Handler); ok {
				t.Error("a file node outside the allow list takes messages")
			}
		}
	})
}
