package storage

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

type obj = map[string]any

// site is an engine running the storage types on a fresh data directory.
type site struct {
	t   *testing.T
	h   *enginetest.Harness
	dir string
	dbs *DBs
}

func newSite(t *testing.T) *site {
	t.Helper()
	dir := t.TempDir()
	dbs := NewDBs(dir)
	h := enginetest.New(t, TypesWith(Options{DataDir: dir, DBs: dbs})...)
	return &site{t: t, h: h, dir: dir, dbs: dbs}
}

// deploy deploys nodes given as JSON objects (a tab "t" is implied).
func (s *site) deploy(nodes ...string) {
	s.t.Helper()
	s.h.Deploy("[" + strings.Join(nodes, ",") + "]")
}

// call sends m to node id and waits for the next message at collector out.
func (s *site) call(id, out string, m engine.Msg) engine.Msg {
	s.t.Helper()
	before := len(s.h.Collected()[out])
	s.h.Send(id, m)
	msgs := s.h.Wait(out, before+1, 5*time.Second)
	return msgs[before]
}

// waitError waits for an unhandled node error containing text.
func (s *site) waitError(text string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range s.h.Errors() {
			if strings.Contains(e, text) {
				return e
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("no error containing %q; errors: %q", text, s.h.Errors())
	return ""
}

func jsonObj(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return string(b)
}
