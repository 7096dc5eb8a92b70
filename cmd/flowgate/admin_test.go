package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/runtime"
)

// admin init, piped: one line for the user name, one for the password.
func TestAdminInit(t *testing.T) {
	file := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(file, []byte("uiHost: 127.0.0.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := admin([]string{"init", "--settings", file}, strings.NewReader("ada\ns3cret\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := runtime.Settings{File: file}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	if a := s.Security.AdminAuth; a == nil || len(a.Users) != 1 || a.Users[0].Username != "ada" || a.Users[0].Permissions != "*" {
		t.Fatalf("adminAuth = %+v", s.Security.AdminAuth)
	}
	if s.Listen != "127.0.0.1:1880" {
		t.Errorf("uiHost lost: listen %q", s.Listen)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
	}{
		{"no settings", []string{"init"}, "ada\npw\n"},
		{"empty password", []string{"init", "--settings", file}, "ada\n\n"},
		{"no input", []string{"init", "--settings", file}, ""},
		{"not init", []string{"reset"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FLOWGATE_SETTINGS", "")
			if code := admin(tc.args, strings.NewReader(tc.stdin), &out, &errb); code == 0 {
				t.Error("exit 0")
			}
		})
	}
}

// The packaged settings keep the editor and the anonymous broker on
// loopback.
func TestPackagedSettingsLoopback(t *testing.T) {
	s := runtime.Settings{File: "deb/settings.yaml"}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	for what, addr := range map[string]string{"editor": s.Listen, "broker": s.Broker} {
		host, _, err := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			t.Errorf("%s listens on %q, want loopback", what, addr)
		}
	}
	if s.Security.AdminAuth != nil {
		t.Error("the package ships a login")
	}
	build, err := os.ReadFile("deb/build-deb.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(build), `install -m 0644 "$here/settings.yaml" "$root/etc/flowgate/settings.yaml"`) {
		t.Error("the package (deb/build-deb.sh) does not install deb/settings.yaml")
	}
}
