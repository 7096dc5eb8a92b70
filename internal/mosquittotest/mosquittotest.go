// Package mosquittotest starts Debian's mosquitto for tests: the external
// broker Flowgate's MQTT nodes, Home Assistant entities and packaging are
// checked against besides the embedded one.
package mosquittotest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Broker is a running mosquitto.
type Broker struct {
	Addr string // host:port on loopback
	once sync.Once
	cmd  *exec.Cmd
}

// Stop kills the broker (a crash, as the tests want it); later calls do
// nothing. The test's cleanup calls it too.
func (b *Broker) Stop() {
	b.once.Do(func() {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	})
}

// Start starts mosquitto listening on addr (a free loopback port when
// empty), anonymous, without persistence, with conf's lines added to the
// listener's (TLS files, say). Without mosquitto the test is skipped, or
// fails when CI is set. Start waits (at most 5 s) until the port answers.
func Start(t testing.TB, addr, conf string) *Broker {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed (CI is set): apt-get install mosquitto")
		}
		t.Skip("mosquitto is not installed: apt-get install mosquitto to run this test")
	}
	if addr == "" {
		addr = FreeAddr(t)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mosquitto.conf")
	text := "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n" + conf
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", file)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &Broker{Addr: addr, cmd: cmd}
	t.Cleanup(b.Stop)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return b
		}
	}
	b.Stop()
	t.Fatalf("mosquitto did not listen on %s: %s", addr, out.String())
	return nil
}

// FreeAddr returns a loopback address with a port free at the time of
// the call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
