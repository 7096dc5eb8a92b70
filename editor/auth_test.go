package editor

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"
)

// testUsers are an admin (password "secret") and a viewer ("look"),
// hashed at the minimum cost to keep tests fast.
var testUsers = sync.OnceValue(func() []User {
	h := func(p string) string {
		b, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	return []User{
		{Username: "admin", Password: h("secret"), Permissions: PermAll},
		{Username: "viewer", Password: h("look"), Permissions: PermRead},
	}
})

func newTestAuth(t *testing.T, now func() time.Time) *Auth {
	t.Helper()
	a, err := NewAuth(AuthConfig{Users: testUsers(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func tokenFor(t *testing.T, ts interface{ Client() *http.Client }, base, user, pass string) (string, int) {
	t.Helper()
	form := url.Values{"client_id": {"node-red-editor"}, "grant_type": {"password"}, "scope": {""}, "username": {user}, "password": {pass}}
	res, err := ts.Client().PostForm(base+"/auth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode == http.StatusOK && (body.TokenType != "Bearer" || body.ExpiresIn != 604800) {
		t.Errorf("token answer = %+v, want Bearer and expires_in 604800", body)
	}
	return body.AccessToken, res.StatusCode
}

func TestAuthLoginOff(t *testing.T) {
	_, ts := newTestServer(t, newFakeBackend(), nil)
	if r := do(t, ts, "GET", "/auth/login", nil, ""); r.Status != 200 || r.Body != "{}" {
		t.Errorf("GET /auth/login = %d %s, want 200 {}", r.Status, r.Body)
	}
	if r := do(t, ts, "GET", "/flows", nil, ""); r.Status != 200 {
		t.Errorf("GET /flows without auth = %d, want 200", r.Status)
	}
}

func TestAuthEndpoints(t *testing.T) {
	_, ts := newTestServer(t, newFakeBackend(), func(o *Options) { o.Auth = newTestAuth(t, nil) })

	r := do(t, ts, "GET", "/auth/login", nil, "")
	want := `{"prompts":[{"id":"username","label":"user.username","type":"text"},{"id":"password","label":"user.password","type":"password"}],"type":"credentials"}`
	if r.Status != 200 || r.Body != want {
		t.Errorf("GET /auth/login = %d %s\nwant %s", r.Status, r.Body, want)
	}
	admin, st := tokenFor(t, ts, ts.URL, "admin", "secret")
	if st != 200 || admin == "" {
		t.Fatalf("admin login = %d", st)
	}
	viewer, st := tokenFor(t, ts, ts.URL, "viewer", "look")
	if st != 200 || viewer == "" {
		t.Fatalf("viewer login = %d", st)
	}
	if _, st := tokenFor(t, ts, ts.URL, "admin", "wrong"); st != http.StatusForbidden {
		t.Errorf("wrong password = %d, want 403", st)
	}
	if _, st := tokenFor(t, ts, ts.URL, "nobody", "secret"); st != http.StatusForbidden {
		t.Errorf("unknown user = %d, want 403", st)
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name, method, path string
		headers            map[string]string
		body               string
		want               int
	}{
		{"no token read", "GET", "/flows", nil, "", 401},
		{"no token settings", "GET", "/settings", nil, "", 401},
		{"no token nodes", "GET", "/nodes", nil, "", 401},
		{"no token write", "POST", "/flows", nil, "[]", 401},
		{"bad token", "GET", "/flows", bearer("nope"), "", 401},
		{"admin read", "GET", "/flows", bearer(admin), "", 200},
		{"admin write", "POST", "/flows", bearer(admin), "[]", 204},
		{"viewer read", "GET", "/flows", bearer(viewer), "", 200},
		{"viewer settings", "GET", "/settings", bearer(viewer), "", 200},
		{"viewer deploy", "POST", "/flows", bearer(viewer), "[]", 403},
		{"viewer state", "POST", "/flows/state", bearer(viewer), `{"state":"stop"}`, 403},
		{"viewer add flow", "POST", "/flow", bearer(viewer), `{"nodes":[]}`, 403},
		{"viewer put flow", "PUT", "/flow/f1", bearer(viewer), `{"nodes":[]}`, 403},
		{"viewer delete flow", "DELETE", "/flow/f1", bearer(viewer), "", 403},
		{"viewer inject", "POST", "/inject/n1", bearer(viewer), "", 403},
		{"viewer debug", "POST", "/debug/n1/disable", bearer(viewer), "", 403},
		{"viewer debug bulk", "POST", "/debug/disable", bearer(viewer), `{"nodes":[]}`, 403},
		{"health stays open", "GET", "/healthz", nil, "", 200},
		{"http in routes stay open", "GET", "/anything", nil, "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Content-Type": "application/json"}
			for k, v := range tt.headers {
				h[k] = v
			}
			if r := do(t, ts, tt.method, tt.path, h, tt.body); r.Status != tt.want {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, r.Status, r.Body, tt.want)
			}
		})
	}

	t.Run("revoke", func(t *testing.T) {
		h := bearer(viewer)
		h["Content-Type"] = "application/x-www-form-urlencoded"
		if r := do(t, ts, "POST", "/auth/revoke", h, "token="+url.QueryEscape(viewer)); r.Status != 200 {
			t.Fatalf("revoke = %d", r.Status)
		}
		if r := do(t, ts, "GET", "/flows", bearer(viewer), ""); r.Status != 401 {
			t.Errorf("revoked token = %d, want 401", r.Status)
		}
		if r := do(t, ts, "GET", "/flows", bearer(admin), ""); r.Status != 200 {
			t.Errorf("other token after revoke = %d, want 200", r.Status)
		}
	})
	t.Run("json grant", func(t *testing.T) {
		r := do(t, ts, "POST", "/auth/token", map[string]string{"Content-Type": "application/json"},
			`{"client_id":"node-red-admin","grant_type":"password","scope":"*","username":"admin","password":"secret"}`)
		if r.Status != 200 || !strings.Contains(r.Body, `"token_type":"Bearer"`) {
			t.Errorf("JSON grant = %d %s", r.Status, r.Body)
		}
	})
	t.Run("viewer asking for write scope", func(t *testing.T) {
		r := do(t, ts, "POST", "/auth/token", map[string]string{"Content-Type": "application/json"},
			`{"client_id":"node-red-editor","grant_type":"password","scope":"*","username":"viewer","password":"look"}`)
		if r.Status != 403 {
			t.Errorf("viewer with scope * = %d %s, want 403", r.Status, r.Body)
		}
	})
	t.Run("bad client and grant", func(t *testing.T) {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		if r := do(t, ts, "POST", "/auth/token", h, "client_id=x&grant_type=password&username=admin&password=secret"); r.Status != 401 {
			t.Errorf("unknown client = %d", r.Status)
		}
		if r := do(t, ts, "POST", "/auth/token", h, "client_id=node-red-editor&grant_type=code&username=admin&password=secret"); r.Status != 400 {
			t.Errorf("code grant = %d", r.Status)
		}
	})
}

func TestAuthThrottleAndExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	a := newTestAuth(t, clock)

	for i := range 5 {
		if _, _, err := a.Login("192.0.2.1:5000", "admin", "wrong", ""); err != ErrBadLogin {
			t.Fatalf("attempt %d: err = %v, want ErrBadLogin", i+1, err)
		}
	}
	if _, _, err := a.Login("192.0.2.1:5000", "admin", "secret", ""); err != ErrTooManyAttempts {
		t.Fatalf("sixth attempt with the right password: err = %v, want ErrTooManyAttempts", err)
	}
	if _, _, err := a.Login("192.0.2.1:5000", "viewer", "look", ""); err != nil {
		t.Errorf("another user is not throttled: %v", err)
	}
	advance(loginWindow)
	tok, life, err := a.Login("192.0.2.1:5000", "admin", "secret", "")
	if err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if life != DefaultSessionExpiry {
		t.Errorf("lifetime = %v", life)
	}
	if s, ok := a.Check(tok); !ok || s.Username != "admin" || !s.CanWrite() {
		t.Errorf("Check = %+v %v", s, ok)
	}
	advance(DefaultSessionExpiry - time.Second)
	if _, ok := a.Check(tok); !ok {
		t.Error("token expired early")
	}
	advance(time.Second)
	if _, ok := a.Check(tok); ok {
		t.Error("token still valid after its expiry")
	}
}

func TestAuthThrottleHTTP(t *testing.T) {
	_, ts := newTestServer(t, newFakeBackend(), func(o *Options) { o.Auth = newTestAuth(t, nil) })
	for range 5 {
		tokenFor(t, ts, ts.URL, "admin", "x")
	}
	if _, st := tokenFor(t, ts, ts.URL, "admin", "secret"); st != http.StatusTooManyRequests {
		t.Errorf("throttled login = %d, want 429", st)
	}
}

func TestNewAuthErrors(t *testing.T) {
	good := testUsers()[0]
	tests := []struct {
		name  string
		users []User
		want  string
	}{
		{"no users", nil, "no users"},
		{"plain password", []User{{Username: "a", Password: "secret", Permissions: "*"}}, "not a bcrypt hash"},
		{"bad permission", []User{{Username: "a", Password: good.Password, Permissions: "write"}}, "permissions"},
		{"empty name", []User{{Password: good.Password, Permissions: "*"}}, "username is empty"},
		{"twice", []User{good, good}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAuth(AuthConfig{Users: tt.users})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCommsAuth(t *testing.T) {
	b := newFakeBackend()
	_, ts := newTestServer(t, b, func(o *Options) { o.Auth = newTestAuth(t, nil) })
	tok, st := tokenFor(t, ts, ts.URL, "viewer", "look")
	if st != 200 {
		t.Fatal(st)
	}
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/comms"
	dial := func(t *testing.T) *websocket.Conn {
		t.Helper()
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		return c
	}
	tests := []struct {
		name  string
		first string
		want  string
	}{
		{"valid token", `{"auth":"` + tok + `"}`, `{"auth":"ok"}`},
		{"bad token", `{"auth":"nope"}`, `{"auth":"fail"}`},
		{"subscribe first", `{"subscribe":"status/#"}`, `{"auth":"fail"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t)
			if err := c.WriteMessage(websocket.TextMessage, []byte(tt.first)); err != nil {
				t.Fatal(err)
			}
			_, got, err := c.ReadMessage()
			if err != nil || string(got) != tt.want {
				t.Fatalf("answer = %s %v, want %s", got, err, tt.want)
			}
			if tt.want == `{"auth":"fail"}` {
				if _, _, err := c.ReadMessage(); err == nil {
					t.Error("connection still open after auth fail")
				}
			}
		})
	}
}

func TestCommsAuthRevoked(t *testing.T) {
	a := newTestAuth(t, nil)
	_, ts := newTestServer(t, newFakeBackend(), func(o *Options) { o.Auth = a })
	tok, _ := tokenFor(t, ts, ts.URL, "admin", "secret")
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/comms", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"auth":"`+tok+`"}`))
	if _, got, _ := c.ReadMessage(); string(got) != `{"auth":"ok"}` {
		t.Fatalf("auth answer %s", got)
	}
	a.Revoke(tok)
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"subscribe":"debug"}`))
	if _, got, _ := c.ReadMessage(); string(got) != `{"auth":"fail"}` {
		t.Errorf("after revoke: %s, want {\"auth\":\"fail\"}", got)
	}
}

func TestSettingsUserAndHeaders(t *testing.T) {
	_, ts := newTestServer(t, newFakeBackend(), func(o *Options) { o.Auth = newTestAuth(t, nil) })
	tok, _ := tokenFor(t, ts, ts.URL, "viewer", "look")
	r := do(t, ts, "GET", "/settings", map[string]string{"Authorization": "Bearer " + tok}, "")
	if !strings.Contains(r.Body, `"user":{"permissions":"read","username":"viewer"}`) {
		t.Errorf("GET /settings has no user: %s", r.Body)
	}
	res, err := ts.Client().Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "same-origin"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("GET / %s = %q, want %q", k, got, want)
		}
	}
}
