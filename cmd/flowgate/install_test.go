package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScriptPicks runs deb/install.sh against a fake release (a
// file:// URL) with the machine faked through its test variables: it must
// pick the package each Pi needs, check its checksum, and refuse what has
// no build.
func TestInstallScriptPicks(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	rel := t.TempDir()
	var sums strings.Builder
	for _, f := range []string{"flowgate_0.2.0+git3.abc1234_arm64.deb", "flowgate_0.2.0+git3.abc1234_armhf.deb", "flowgate_0.2.0+git3.abc1234_armhf-armv6.deb",
		"flowgate-0.2.0+git3.abc1234-linux-arm64.tar.gz", "flowgate-0.2.0+git3.abc1234-linux-armv7.tar.gz", "flowgate-0.2.0+git3.abc1234-linux-armv6.tar.gz"} {
		body := []byte("fake " + f)
		if err := os.WriteFile(filepath.Join(rel, f), body, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(body), f)
	}
	if err := os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	piZero := filepath.Join(rel, "cpuinfo-zero")
	_ = os.WriteFile(piZero, []byte("processor\t: 0\nmodel name\t: ARMv6-compatible processor rev 7 (v6l)\nCPU architecture: 7\n"), 0o644)
	pi4 := filepath.Join(rel, "cpuinfo-pi4")
	_ = os.WriteFile(pi4, []byte("processor\t: 0\nmodel name\t: ARMv7 Processor rev 3 (v7l)\nCPU architecture: 7\n"), 0o644)
	tests := []struct {
		name, uname, dpkg, cpuinfo, want string
	}{
		{"Pi 4, 64-bit Pi OS", "aarch64", "arm64", pi4, "flowgate_0.2.0+git3.abc1234_arm64.deb"},
		{"Pi 4, 32-bit Pi OS, 64-bit kernel", "aarch64", "armhf", pi4, "flowgate_0.2.0+git3.abc1234_armhf.deb"},
		{"Pi 3, 32-bit Pi OS", "armv7l", "armhf", pi4, "flowgate_0.2.0+git3.abc1234_armhf.deb"},
		{"Pi Zero W", "armv6l", "armhf", piZero, "flowgate_0.2.0+git3.abc1234_armhf-armv6.deb"},
		{"ARMv6 by cpuinfo", "armv7l", "armhf", piZero, "flowgate_0.2.0+git3.abc1234_armhf-armv6.deb"},
		{"no dpkg, arm64", "aarch64", "none", pi4, "flowgate-0.2.0+git3.abc1234-linux-arm64.tar.gz"},
		{"no dpkg, armv7", "armv7l", "none", pi4, "flowgate-0.2.0+git3.abc1234-linux-armv7.tar.gz"},
		{"no dpkg, armv6", "armv6l", "none", piZero, "flowgate-0.2.0+git3.abc1234-linux-armv6.tar.gz"},
		{"a PC", "x86_64", "amd64", pi4, "ERROR no Flowgate package for Debian architecture amd64"},
	}
	run := func(uname, dpkg, cpuinfo string) (string, error) {
		cmd := exec.Command("sh", "deb/install.sh")
		cmd.Env = append(os.Environ(), "FLOWGATE_URL=file://"+rel, "FLOWGATE_DRY_RUN=1",
			"FLOWGATE_UNAME_M="+uname, "FLOWGATE_DPKG_ARCH="+dpkg, "FLOWGATE_CPUINFO="+cpuinfo)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(tt.uname, tt.dpkg, tt.cpuinfo)
			if want, ok := strings.CutPrefix(tt.want, "ERROR "); ok {
				if err == nil || !strings.Contains(out, want) {
					t.Fatalf("install.sh = %v %s, want failure %q", err, out, want)
				}
				return
			}
			if err != nil || !strings.Contains(out, ": "+tt.want+"\n") {
				t.Fatalf("install.sh = %v %s, want %s", err, out, tt.want)
			}
		})
	}
	t.Run("checksum mismatch", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(rel, "flowgate_0.2.0+git3.abc1234_arm64.deb"), []byte("tampered"), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := run("aarch64", "arm64", pi4); err == nil || !strings.Contains(out, "checksum mismatch") {
			t.Fatalf("install.sh = %v %s, want a checksum failure", err, out)
		}
	})
}
