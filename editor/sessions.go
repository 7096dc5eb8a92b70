package editor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// maxSessions bounds the sessions kept (in memory and in the sessions
// file); a login past it ends the session closest to expiry.
const maxSessions = 1000

// sessionsVersion marks Flowgate's sessions file. Node-RED's
// .sessions.json (plain tokens) does not carry it and is not loaded.
const sessionsVersion = 1

// tokenHash is how a token is kept: a session is found by the SHA-256
// of its bearer token, so that neither memory dumps nor the sessions file
// hold a usable token.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

type storedSession struct {
	Hash    string `json:"hash"`
	User    string `json:"user"`
	Scope   string `json:"scope"`
	Expires int64  `json:"expires"` // Unix milliseconds
}

type sessionsDoc struct {
	Version  int             `json:"version"`
	Sessions []storedSession `json:"sessions"`
}

// SessionStore keeps the encoded sessions across restarts (the runtime:
// a file of mode 0600 in the data directory).
type SessionStore interface {
	// Load returns what Save last stored; nil when nothing was.
	Load() ([]byte, error)
	// Save replaces what is stored, atomically.
	Save(data []byte) error
}

// loadSessions reads the stored sessions: the unexpired sessions of
// users that still exist, with no more than their present permissions.
// Data of another format (Node-RED's .sessions.json) is ignored and
// reported through the error, with the sessions map still valid.
func (a *Auth) loadSessions(now time.Time) error {
	if a.store == nil {
		return nil
	}
	b, err := a.store.Load()
	if err != nil || b == nil {
		return err
	}
	var doc sessionsDoc
	if err := json.Unmarshal(b, &doc); err != nil || doc.Version != sessionsVersion {
		return errors.New("stored sessions are not Flowgate's: ignored, everyone logs in again")
	}
	for _, s := range doc.Sessions {
		u, ok := a.users[s.User]
		exp := time.UnixMilli(s.Expires)
		if !ok || !now.Before(exp) || len(s.Hash) != sha256.Size*2 || (s.Scope != u.Permissions && s.Scope != PermRead) {
			continue
		}
		a.sessions[s.Hash] = Session{Username: s.User, Scope: s.Scope, Expires: exp}
	}
	a.boundSessionsLocked()
	return nil
}

// boundSessionsLocked ends the sessions closest to expiry until at most
// maxSessions remain.
func (a *Auth) boundSessionsLocked() {
	if len(a.sessions) <= maxSessions {
		return
	}
	hashes := make([]string, 0, len(a.sessions))
	for h := range a.sessions {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return a.sessions[hashes[i]].Expires.Before(a.sessions[hashes[j]].Expires) })
	for _, h := range hashes[:len(hashes)-maxSessions] {
		delete(a.sessions, h)
	}
}

// saveSessionsLocked stores the sessions; a.mu is held.
func (a *Auth) saveSessionsLocked() error {
	if a.store == nil {
		return nil
	}
	doc := sessionsDoc{Version: sessionsVersion, Sessions: make([]storedSession, 0, len(a.sessions))}
	for h, s := range a.sessions {
		doc.Sessions = append(doc.Sessions, storedSession{Hash: h, User: s.Username, Scope: s.Scope, Expires: s.Expires.UnixMilli()})
	}
	sort.Slice(doc.Sessions, func(i, j int) bool { return doc.Sessions[i].Hash < doc.Sessions[j].Hash })
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode sessions: %w", err)
	}
	return a.store.Save(b)
}
