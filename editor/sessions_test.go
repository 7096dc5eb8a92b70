package editor

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// memStore is a SessionStore in memory.
type memStore struct {
	mu   sync.Mutex
	data []byte
}

func (m *memStore) Load() ([]byte, error) { m.mu.Lock(); defer m.mu.Unlock(); return m.data, nil }
func (m *memStore) Save(b []byte) error   { m.mu.Lock(); defer m.mu.Unlock(); m.data = b; return nil }

// Sessions survive a restart (a new Auth on the same store), hashed;
// expired ones, revoked ones and those of removed users do not.
func TestSessionsPersist(t *testing.T) {
	store := &memStore{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	newAuth := func(users []User) *Auth {
		a, err := NewAuth(AuthConfig{Users: users, Now: clock, Sessions: store, SessionExpiry: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := newAuth(testUsers())
	admin, _, err := a.Login("192.0.2.1:1", "admin", "secret", "")
	if err != nil {
		t.Fatal(err)
	}
	viewer, _, err := a.Login("192.0.2.1:1", "viewer", "look", "")
	if err != nil {
		t.Fatal(err)
	}
	gone, _, _ := a.Login("192.0.2.1:1", "admin", "secret", "read")
	a.Revoke(gone)

	raw, _ := store.Load()
	for _, tok := range []string{admin, viewer, gone} {
		if strings.Contains(string(raw), tok) {
			t.Fatal("the sessions file holds a token in clear")
		}
	}

	b := newAuth(testUsers())
	if s, ok := b.Check(admin); !ok || s.Username != "admin" || !s.CanWrite() {
		t.Errorf("admin after restart: %+v %v", s, ok)
	}
	if _, ok := b.Check(gone); ok {
		t.Error("a revoked token came back")
	}
	if _, ok := newAuth(testUsers()[:1]).Check(viewer); ok {
		t.Error("the session of a removed user came back")
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if _, ok := newAuth(testUsers()).Check(admin); ok {
		t.Error("an expired session came back")
	}
}

func TestSessionsBounded(t *testing.T) {
	a := newTestAuth(t, nil)
	for i := range maxSessions + 5 {
		a.sessions[tokenHash(string(rune(i)))] = Session{Username: "admin", Scope: PermAll, Expires: time.Now().Add(time.Duration(i+1) * time.Minute)}
	}
	if _, _, err := a.Login("192.0.2.1:1", "admin", "secret", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(a.sessions); n != maxSessions {
		t.Errorf("%d sessions, want %d", n, maxSessions)
	}
}

func TestForeignSessionsFileIgnored(t *testing.T) {
	// Node-RED's own .sessions.json: plain tokens
	store := &memStore{data: []byte(`{"abc":{"user":"admin","scope":"*","expires":99999999999999}}`)}
	a, err := NewAuth(AuthConfig{Users: testUsers(), Sessions: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Check("abc"); ok {
		t.Error("a Node-RED plain token was accepted")
	}
}
