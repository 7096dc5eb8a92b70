package main

import (
	"os/exec"
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
