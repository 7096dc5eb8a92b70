package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetAdminUser(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "settings.yaml")
	orig := "# the packaged settings\nuserDir: /var/lib/flowgate\nuiHost: 127.0.0.1 # loopback until a login is set\nadminAuth:\n  type: credentials\n  users:\n    - {username: viewer, password: \"" + hash(t, "look") + "\", permissions: read}\n    - {username: admin, password: old, permissions: read}\n"
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	h := hash(t, "secret")
	if err := SetAdminUser(file, "admin", h); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(file)
	for _, want := range []string{"# the packaged settings", "loopback until a login is set", "userDir: /var/lib/flowgate", "viewer", h} {
		if !strings.Contains(string(out), want) {
			t.Errorf("result lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "password: old") {
		t.Errorf("the old admin entry stayed:\n%s", out)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want the file's 0644", st.Mode().Perm())
	}
	s := Settings{File: file}
	if err := s.LoadFile(); err != nil {
		t.Fatal(err)
	}
	a, err := s.Security.adminAuth(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Login("192.0.2.1:1", "admin", "secret", ""); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if s.Security.AdminAuth.Users[1].Permissions != "*" {
		t.Errorf("admin permissions = %q", s.Security.AdminAuth.Users[1].Permissions)
	}

	fresh := filepath.Join(dir, "new.yaml")
	if err := SetAdminUser(fresh, "root", h); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %v, want 0640", st.Mode().Perm())
	}
	if err := SetAdminUser(fresh, strings.Repeat("x", 300), h); err == nil {
		t.Error("a 300-byte user name was accepted")
	}
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("- a list\n"), 0o600)
	if err := SetAdminUser(bad, "root", h); err == nil {
		t.Error("a settings file that is not a mapping was rewritten")
	}
}
