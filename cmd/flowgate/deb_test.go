package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebVersionsSort: the package versions deb/version.sh derives from
// git describe sort in build order under dpkg's rules, with or without
// tags, so that apt upgrades from one build to the next.
func TestDebVersionsSort(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed")
	}
	version := func(describe, count string) string {
		out, err := exec.Command("sh", "deb/version.sh", describe, count).Output()
		if err != nil {
			t.Fatalf("version.sh %s %s: %v", describe, count, err)
		}
		return strings.TrimSpace(string(out))
	}
	builds := []struct{ describe, count, want string }{
		{"6189eae", "9", "0.0.0+git9.6189eae"},   // no tag yet
		{"abc1234", "10", "0.0.0+git10.abc1234"}, // ten sorts after nine
		{"v0.1.0-0-gdef5678", "11", "0.1.0"},
		{"v0.1.0-2-g0123abc", "13", "0.1.0+git2.0123abc"},
		{"v0.1.0-12-g4567def", "23", "0.1.0+git12.4567def"},
		{"v0.2.0-rc1-0-g89abcde", "24", "0.2.0~rc1"},
		{"v0.2.0-0-gfedcba9", "25", "0.2.0"},
		{"v0.10.0-0-g1111111", "40", "0.10.0"},
	}
	prev := ""
	for _, b := range builds {
		got := version(b.describe, b.count)
		if got != b.want {
			t.Errorf("version.sh %s = %s, want %s", b.describe, got, b.want)
		}
		if prev != "" {
			if err := exec.Command("dpkg", "--compare-versions", prev, "lt", got).Run(); err != nil {
				t.Errorf("dpkg does not sort %s before %s", prev, got)
			}
		}
		prev = got
	}
}

// TestDebUpgradeKeepsDisabled runs the package's postinst as dpkg would on
// install and on upgrades, with the real deb-systemd-helper on a fake root
// (DPKG_ROOT) and systemd seen as running: install enables and starts the
// unit, an upgrade restarts it, and a unit the admin disabled stays
// disabled across an upgrade (deb-systemd-invoke then leaves it stopped).
func TestDebUpgradeKeepsDisabled(t *testing.T) {
	if _, err := exec.LookPath("deb-systemd-helper"); err != nil {
		t.Skip("deb-systemd-helper not installed (init-system-helpers)")
	}
	root, stubs, running := t.TempDir(), t.TempDir(), t.TempDir()
	unitDir := filepath.Join(root, "lib/systemd/system")
	if err := os.MkdirAll(unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	unit, _ := os.ReadFile("deb/flowgate.service")
	_ = os.WriteFile(filepath.Join(unitDir, "flowgate.service"), unit, 0o644)
	calls := filepath.Join(stubs, "calls")
	for _, c := range []string{"getent", "adduser", "addgroup", "install", "systemctl", "deb-systemd-invoke"} {
		_ = os.WriteFile(filepath.Join(stubs, c), []byte("#!/bin/sh\necho \""+c+" $*\" >> "+calls+"\n"), 0o755)
	}
	script, _ := os.ReadFile("deb/postinst")
	postinst := filepath.Join(stubs, "postinst.sh")
	_ = os.WriteFile(postinst, []byte(strings.ReplaceAll(string(script), "/run/systemd/system", running)), 0o755)
	link := filepath.Join(root, "etc/systemd/system/multi-user.target.wants/flowgate.service")
	run := func(args ...string) string {
		t.Helper()
		_ = os.Remove(calls)
		cmd := exec.Command("sh", append([]string{postinst}, args...)...)
		cmd.Env = append(os.Environ(), "DPKG_ROOT="+root, "DPKG_MAINTSCRIPT_PACKAGE=flowgate", "DPKG_MAINTSCRIPT_NAME=postinst", "PATH="+stubs+":"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("postinst %v: %v\n%s", args, err, out)
		}
		b, _ := os.ReadFile(calls)
		return string(b)
	}
	enabled := func() bool { _, err := os.Lstat(link); return err == nil }

	if got := run("configure", ""); !enabled() || !strings.Contains(got, "deb-systemd-invoke start flowgate.service") {
		t.Fatalf("install: enabled=%v, calls:\n%s", enabled(), got)
	}
	if got := run("configure", "0.1.0"); !enabled() || !strings.Contains(got, "deb-systemd-invoke restart flowgate.service") {
		t.Fatalf("upgrade: enabled=%v, calls:\n%s", enabled(), got)
	}
	if err := os.Remove(link); err != nil { // systemctl disable flowgate
		t.Fatal(err)
	}
	got := run("configure", "0.2.0")
	if enabled() {
		t.Fatal("an upgrade re-enabled the unit the admin disabled")
	}
	if strings.Contains(got, "systemctl enable") || strings.Contains(got, "--now") {
		t.Errorf("postinst enables through systemctl:\n%s", got)
	}
}
