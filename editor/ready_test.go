package editor

import (
	"errors"
	"net/http/httptest"
	"testing"
)

type notReadyBackend struct {
	*fakeBackend
	err error
}

func (b notReadyBackend) Ready() error { return b.err }

func TestReadyz(t *testing.T) {
	_, plain := newTestServer(t, newFakeBackend(), nil)
	if r := do(t, plain, "GET", "/readyz", nil, ""); r.Status != 200 || r.Body != `{"status":"ready"}` {
		t.Errorf("without ReadyBackend: %d %s", r.Status, r.Body)
	}
	b := notReadyBackend{newFakeBackend(), errors.New("stored flows not started: bad")}
	s := New(Options{Backend: b})
	ts := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); ts.Close() })
	if r := do(t, ts, "GET", "/readyz", nil, ""); r.Status != 503 || r.Body != `{"reason":"stored flows not started: bad","status":"not ready"}` {
		t.Errorf("not ready: %d %s", r.Status, r.Body)
	}
	if r := do(t, ts, "GET", "/healthz", nil, ""); r.Status != 200 {
		t.Errorf("healthz while not ready: %d %s", r.Status, r.Body)
	}
}
