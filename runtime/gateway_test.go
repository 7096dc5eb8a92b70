package runtime

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The default gateway id comes from the machine id without exposing it,
// the same on every start and different on another machine; "off" means
// none, anything else is taken as given.
func TestGatewayID(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for f, id := range map[string]string{a: "4c4c4544003510308033b4c04f4d3132\n", b: "0123456789abcdef0123456789abcdef\n"} {
		if err := os.WriteFile(f, []byte(id), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idA := defaultGatewayID([]string{filepath.Join(dir, "missing"), a})
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(idA) {
		t.Errorf("gateway id %q", idA)
	}
	if again := defaultGatewayID([]string{a}); again != idA {
		t.Errorf("not stable: %q then %q", idA, again)
	}
	if idB := defaultGatewayID([]string{b}); idB == idA {
		t.Errorf("two machines share %q", idA)
	}
	if idA == "4c4c4544" {
		t.Error("the machine id is exposed")
	}
	if h, _ := os.Hostname(); h != "" && defaultGatewayID(nil) == "" {
		t.Error("no fallback without a machine id")
	}
	for setting, want := range map[string]string{"off": "", "garden-pi": "garden-pi"} {
		if got := gatewayID(setting); got != want {
			t.Errorf("gatewayID(%q) = %q, want %q", setting, got, want)
		}
	}
	if gatewayID("") == "" {
		t.Error("no default gateway id")
	}
}
