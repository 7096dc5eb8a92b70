package editor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// loadSessions reads the sessions file: the unexpired sessions of users
// that still exist, with no more than their present permissions. A
// missing file is no sessions; a file of another format is ignored
// (reported through the error, with the sessions map still valid).
func (a *Auth) loadSessions(now time.Time) error {
	if a.sessionsFile == "" {
		return nil
	}
	b, err := os.ReadFile(a.sessionsFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read sessions: %w", err)
	}
	var doc sessionsDoc
	if err := json.Unmarshal(b, &doc); err != nil || doc.Version != sessionsVersion {
		return fmt.Errorf("sessions file %s is not Flowgate's: ignored, everyone logs in again", a.sessionsFile)
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

// saveSessionsLocked writes the sessions file (mode 0600, replaced
// atomically); a.mu is held.
func (a *Auth) saveSessionsLocked() error {
	if a.sessionsFile == "" {
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
	return writeFileAtomic(a.sessionsFile, b, 0o600)
}

// writeFileAtomic replaces path with data: temporary file, fsync, rename.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
