package editor

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Wrong passwords from one address do not lock the admin out of another.
func TestLoginThrottlePerAddress(t *testing.T) {
	a := newTestAuth(t, nil)
	for i := range loginMaxAttempts {
		if _, _, err := a.Login("203.0.113.9:4000", "admin", "wrong", ""); err != ErrBadLogin {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if _, _, err := a.Login("203.0.113.9:4001", "admin", "secret", ""); err != ErrTooManyAttempts {
		t.Errorf("the guessing address, right password: %v, want ErrTooManyAttempts", err)
	}
	if _, _, err := a.Login("192.0.2.7:5000", "admin", "secret", ""); err != nil {
		t.Errorf("the admin from another address: %v", err)
	}
	// one IPv6 client holds a whole /64
	for range loginMaxAttempts {
		_, _, _ = a.Login("[2001:db8:1:2::1]:4000", "admin", "wrong", "")
	}
	if _, _, err := a.Login("[2001:db8:1:2:ffff::9]:4000", "admin", "secret", ""); err != ErrTooManyAttempts {
		t.Errorf("same /64: %v, want ErrTooManyAttempts", err)
	}
	if _, _, err := a.Login("[2001:db8:1:3::1]:4000", "admin", "secret", ""); err != nil {
		t.Errorf("another /64: %v", err)
	}
}

func TestThrottleTableBounded(t *testing.T) {
	th := newThrottle(2, time.Minute, 3)
	now := time.Unix(0, 0)
	for i := range 100 {
		th.attempt(throttleKey{user: fmt.Sprint("u", i), net: "n"}, now)
	}
	if th.len() != 3 {
		t.Errorf("table holds %d keys, want 3", th.len())
	}
	k := throttleKey{user: "admin", net: "n"}
	for range 1000 {
		th.attempt(k, now)
	}
	if n := len(th.byKey[k].Value.(*throttleEntry).times); n > 3 {
		t.Errorf("one key holds %d times, want at most 3", n)
	}
	if th.attempt(k, now.Add(time.Minute)) != true {
		t.Error("not admitted again after the window")
	}
}

// A long user name is refused before it is stored or checked, and the
// log line carries only its start.
func TestLongUsernameRefused(t *testing.T) {
	var logs bytes.Buffer
	a := newTestAuth(t, nil)
	_, ts := newTestServer(t, newFakeBackend(), func(o *Options) {
		o.Auth = a
		o.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	long := strings.Repeat("A", 1<<20)
	for range 20 {
		form := url.Values{"client_id": {"node-red-editor"}, "grant_type": {"password"}, "username": {long}, "password": {"x"}}
		res, err := ts.Client().PostForm(ts.URL+"/auth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", res.StatusCode)
		}
	}
	if _, _, err := a.Login("192.0.2.1:1", long, "x", ""); err != ErrBadLogin {
		t.Errorf("Login with a long name: %v", err)
	}
	if n := a.attempts.len(); n != 0 {
		t.Errorf("throttle table holds %d keys", n)
	}
	if logs.Len() > 20*400 {
		t.Errorf("%d bytes of log for 20 refused logins", logs.Len())
	}
	// a failed login with an ordinary name logs it cut too
	logs.Reset()
	name := strings.Repeat("b", MaxUsernameBytes)
	tokenFor(t, ts, ts.URL, name, "x")
	if strings.Contains(logs.String(), name) || !strings.Contains(logs.String(), name[:64]) {
		t.Errorf("log line does not carry a cut name: %s", logs.String())
	}
}
