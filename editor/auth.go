package editor

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// Permission values of a user (Node-RED's adminAuth permissions).
const (
	PermAll  = "*"
	PermRead = "read"
)

// DefaultSessionExpiry is Node-RED's adminAuth.sessionExpiryTime default:
// one week.
const DefaultSessionExpiry = 7 * 24 * time.Hour

// User is an adminAuth user: a bcrypt password hash and "*" or "read".
type User struct {
	Username    string
	Password    string // bcrypt hash
	Permissions string
}

// AuthConfig configures an Auth.
type AuthConfig struct {
	Users []User
	// SessionExpiry is a token's lifetime; 0 means DefaultSessionExpiry.
	SessionExpiry time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Sessions keeps the sessions across restarts (by token hash, never
	// the tokens); nil keeps them in memory only.
	Sessions SessionStore
	// Log receives what cannot be returned (a sessions file that could
	// not be written); nil discards it.
	Log *slog.Logger
}

// ErrTooManyAttempts refuses a login while its user name is throttled.
var ErrTooManyAttempts = errors.New("Too many login attempts. Wait 10 minutes and try again") //nolint:staticcheck // Node-RED's wording

// ErrBadLogin is a wrong user name or password, or a scope the user does
// not have.
var ErrBadLogin = errors.New("invalid username or password")

// Auth is Node-RED's adminAuth of type "credentials": users with bcrypt
// passwords, bearer tokens with an expiry (kept by their SHA-256, in
// memory and in the sessions file), and login throttling per user name
// and remote network. It is safe for concurrent use.
type Auth struct {
	users  map[string]User
	expiry time.Duration
	now    func() time.Time
	// dummy is a hash compared against when the user does not exist.
	dummy []byte
	// checking admits one bcrypt comparison at a time, so that logins
	// under many user names (which the per-name throttle does not slow)
	// cannot take more than one core
	checking chan struct{}

	store SessionStore
	log   *slog.Logger

	// mu guards sessions, attempts and the sessions file.
	mu       sync.Mutex
	sessions map[string]Session // by tokenHash
	attempts *throttle
}

// Session is what a bearer token grants.
type Session struct {
	Username string
	Scope    string // "*" or "read"
	Expires  time.Time
}

// CanWrite reports whether the session may change things.
func (s Session) CanWrite() bool { return s.Scope == PermAll }

// NewAuth checks cfg and returns an Auth.
func NewAuth(cfg AuthConfig) (*Auth, error) {
	a := &Auth{
		users:    map[string]User{},
		expiry:   cfg.SessionExpiry,
		now:      cfg.Now,
		sessions: map[string]Session{},
		attempts: newThrottle(loginMaxAttempts, loginWindow, loginMaxKeys),
		checking: make(chan struct{}, 1),

		store: cfg.Sessions,
		log:   cfg.Log,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.expiry <= 0 {
		a.expiry = DefaultSessionExpiry
	}
	if a.now == nil {
		a.now = time.Now
	}
	if len(cfg.Users) == 0 {
		return nil, errors.New("adminAuth: no users")
	}
	for i, u := range cfg.Users {
		if u.Username == "" {
			return nil, fmt.Errorf("adminAuth.users[%d]: username is empty", i)
		}
		if _, err := bcrypt.Cost([]byte(u.Password)); err != nil {
			return nil, fmt.Errorf("adminAuth.users[%d] (%s): password is not a bcrypt hash (flowgate hash-password makes one)", i, u.Username)
		}
		switch u.Permissions {
		case PermAll, PermRead:
		default:
			return nil, fmt.Errorf("adminAuth.users[%d] (%s): permissions must be \"*\" or \"read\", got %q", i, u.Username, u.Permissions)
		}
		if _, dup := a.users[u.Username]; dup {
			return nil, fmt.Errorf("adminAuth.users[%d]: user %q listed twice", i, u.Username)
		}
		a.users[u.Username] = u
		if a.dummy == nil { // as slow to check as a real user's hash
			cost, _ := bcrypt.Cost([]byte(u.Password))
			a.dummy, _ = bcrypt.GenerateFromPassword(newTokenBytes()[:16], cost)
		}
	}
	if err := a.loadSessions(a.now()); err != nil {
		a.log.Warn("admin sessions not restored", "err", err)
	}
	return a, nil
}

// Login checks a password grant from remote (the TCP peer's
// "host:port") and returns a new token and its lifetime. An empty scope
// asks for the user's own permissions; a scope the user lacks is refused.
func (a *Auth) Login(remote, username, password, scope string) (string, time.Duration, error) {
	if len(username) > MaxUsernameBytes || len(password) > maxPasswordBytes {
		return "", 0, ErrBadLogin
	}
	now := a.now()
	key := throttleKey{user: username, net: remoteNet(remote)}
	a.mu.Lock()
	ok := a.attempts.attempt(key, now)
	a.mu.Unlock()
	if !ok {
		return "", 0, ErrTooManyAttempts
	}
	if err := a.check(username, password, scope); err != nil {
		return "", 0, err
	}
	if scope == "" {
		scope = a.users[username].Permissions
	}
	token := newToken()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attempts.forget(key)
	a.pruneLocked(now)
	a.sessions[tokenHash(token)] = Session{Username: username, Scope: scope, Expires: now.Add(a.expiry)}
	a.boundSessionsLocked()
	if err := a.saveSessionsLocked(); err != nil {
		a.log.Warn("admin session not persisted: it ends at restart", "err", err)
	}
	return token, a.expiry, nil
}

// check compares the password (one bcrypt comparison at a time) and the
// scope asked for.
func (a *Auth) check(username, password, scope string) error {
	a.checking <- struct{}{}
	defer func() { <-a.checking }()
	u, ok := a.users[username]
	if !ok {
		// spend the time a real check takes, so that user names cannot
		// be told apart by the answer's speed
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return ErrBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(u.Password), []byte(password)) != nil {
		return ErrBadLogin
	}
	if scope == "" {
		scope = u.Permissions
	}
	if scope != u.Permissions && u.Permissions != PermAll || scope != PermAll && scope != PermRead {
		return ErrBadLogin
	}
	return nil
}

// pruneLocked forgets expired sessions.
func (a *Auth) pruneLocked(now time.Time) {
	for h, s := range a.sessions {
		if !now.Before(s.Expires) {
			delete(a.sessions, h)
		}
	}
}

func newToken() string { return base64.RawURLEncoding.EncodeToString(newTokenBytes()) }

func newTokenBytes() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// Check returns the session of a token that exists and has not expired.
func (a *Auth) Check(token string) (Session, bool) {
	if token == "" {
		return Session{}, false
	}
	h := tokenHash(token)
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[h]
	if !ok {
		return Session{}, false
	}
	if !a.now().Before(s.Expires) {
		delete(a.sessions, h) // the file forgets it at its next write
		return Session{}, false
	}
	return s, true
}

// Revoke forgets a token, in memory and in the sessions file.
func (a *Auth) Revoke(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, tokenHash(token))
	if err := a.saveSessionsLocked(); err != nil {
		a.log.Warn("admin sessions file not updated after a logout", "err", err)
	}
}

// bearer returns the token of an "Authorization: Bearer" header or, as
// Node-RED's bearer strategy also reads it, of an access_token query
// parameter: the way to send both the admin token and httpNodeAuth's
// basic auth to /api/data when both are set.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.URL.Query().Get("access_token")
}

// sessionKey is the echo context key of the request's Session.
const sessionKey = "flowgate.session"

// authRead lets a request through when auth is off or it carries a valid
// token; 401 otherwise (the editor then shows its login).
func (s *Server) authRead(next echo.HandlerFunc) echo.HandlerFunc {
	if s.o.Auth == nil {
		return next
	}
	return func(c echo.Context) error {
		sess, ok := s.o.Auth.Check(bearer(c.Request()))
		if !ok {
			return sendStatus(c, http.StatusUnauthorized)
		}
		c.Set(sessionKey, sess)
		return next(c)
	}
}

// authWrite is authRead for routes that change things: a read-only
// user gets 403.
func (s *Server) authWrite(next echo.HandlerFunc) echo.HandlerFunc {
	if s.o.Auth == nil {
		return next
	}
	return s.authRead(func(c echo.Context) error {
		if sess, _ := c.Get(sessionKey).(Session); !sess.CanWrite() {
			s.o.Log.Warn("permission refused", "user", sess.Username, "method", c.Request().Method, "path", c.Request().URL.Path)
			return sendStatus(c, http.StatusForbidden)
		}
		return next(c)
	})
}

// getAuthLogin serves GET /auth/login: Node-RED's login prompts, or {}
// when there is no adminAuth.
func (s *Server) getAuthLogin(c echo.Context) error {
	if s.o.Auth == nil {
		return writeJSON(c, http.StatusOK, map[string]any{})
	}
	return writeJSON(c, http.StatusOK, map[string]any{
		"type": "credentials",
		"prompts": []map[string]string{
			{"id": "username", "type": "text", "label": "user.username"},
			{"id": "password", "type": "password", "label": "user.password"},
		},
	})
}

// tokenError is an OAuth2 error answer.
func tokenError(c echo.Context, status int, code, desc string) error {
	return writeJSON(c, status, map[string]string{"error": code, "error_description": desc})
}

// postAuthToken serves POST /auth/token: the OAuth2 password grant the
// Node-RED editor and its API clients send (form or JSON body:
// client_id, grant_type=password, scope, username, password).
func (s *Server) postAuthToken(c echo.Context) error {
	if s.o.Auth == nil {
		return sendStatus(c, http.StatusNotFound)
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	f, err := formOrJSON(c.Request(), body)
	if err != nil {
		return tokenError(c, http.StatusBadRequest, "invalid_request", err.Error())
	}
	switch f["client_id"] {
	case "node-red-editor", "node-red-admin":
	default:
		return tokenError(c, http.StatusUnauthorized, "invalid_client", "unknown client_id")
	}
	if f["grant_type"] != "password" {
		return tokenError(c, http.StatusBadRequest, "unsupported_grant_type", "only the password grant is supported")
	}
	user := f["username"]
	if len(user) > MaxUsernameBytes || len(f["password"]) > maxPasswordBytes {
		s.o.Log.Warn("login refused: user name or password too long", "user", clip(user), "user_bytes", len(user), "remote", c.Request().RemoteAddr)
		return tokenError(c, http.StatusBadRequest, "invalid_request", fmt.Sprintf("username longer than %d bytes or password longer than %d bytes", MaxUsernameBytes, maxPasswordBytes))
	}
	token, life, err := s.o.Auth.Login(c.Request().RemoteAddr, user, f["password"], f["scope"])
	switch {
	case errors.Is(err, ErrTooManyAttempts):
		s.o.Log.Warn("login throttled", "user", clip(user), "remote", c.Request().RemoteAddr)
		return tokenError(c, http.StatusTooManyRequests, "too_many_attempts", err.Error())
	case err != nil:
		s.o.Log.Warn("login failed", "user", clip(user), "remote", c.Request().RemoteAddr)
		return tokenError(c, http.StatusForbidden, "invalid_grant", "invalid username or password")
	}
	s.o.Log.Info("login", "user", user)
	return writeJSON(c, http.StatusOK, map[string]any{
		"access_token": token,
		"expires_in":   int64(life / time.Second),
		"token_type":   "Bearer",
	})
}

// formOrJSON reads the string fields of a form or JSON object body.
func formOrJSON(r *http.Request, body []byte) (map[string]string, error) {
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if err := decodeJSON(body, &m); err != nil {
			return nil, errors.New("body is not a JSON object")
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
		return out, nil
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	for k, v := range vals {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out, nil
}

// postAuthRevoke serves POST /auth/revoke {token}: the token is
// forgotten (only its own bearer may revoke it).
func (s *Server) postAuthRevoke(c echo.Context) error {
	if s.o.Auth == nil {
		return sendStatus(c, http.StatusOK)
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	f, err := formOrJSON(c.Request(), body)
	if err != nil {
		return sendStatus(c, http.StatusBadRequest)
	}
	if tok := f["token"]; tok != "" && tok == bearer(c.Request()) {
		s.o.Auth.Revoke(tok)
	}
	return sendStatus(c, http.StatusOK)
}
