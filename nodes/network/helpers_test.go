package network

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// shaper is a test node: it reshapes an http in message from the JSON body
// of the request, as a function node would:
// {v: payload, h: headers, s: statusCode, c: cookies, buf: [bytes], undef: true}.
type shaper struct{}

func (shaper) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	p, _ := m["payload"].(*engine.Object)
	m["payload"] = p.Value("v")
	if h, ok := p.Get("h"); ok {
		m["headers"] = h
	}
	if s, ok := p.Get("s"); ok {
		m["statusCode"] = s
	}
	if c, ok := p.Get("c"); ok {
		m["cookies"] = c
	}
	if b, ok := p.Value("buf").([]any); ok {
		buf := make([]byte, len(b))
		for i, e := range b {
			buf[i] = byte(e.(float64))
		}
		m["payload"] = buf
	}
	if p.Value("undef") == true {
		delete(m, "payload")
	}
	if p.Value("nores") == true {
		delete(m, "res")
	}
	out.Send(0, m)
	return nil
}

func shaperType() engine.Type {
	return engine.Type{
		Spec: engine.Spec{Type: "shaper", Category: "test", Inputs: 1, Outputs: 1},
		New:  func(*engine.Config, *engine.Resources) (engine.Node, error) { return shaper{}, nil },
	}
}

// site is a Router on a loopback server with an engine using it.
type site struct {
	router *Router
	srv    *httptest.Server
	h      *enginetest.Harness
}

func newSite(t testing.TB, flow string) *site {
	t.Helper()
	s := &site{router: &Router{}}
	s.srv = httptest.NewServer(s.router)
	t.Cleanup(s.srv.Close)
	s.h = enginetest.NewWith(t, enginetest.Options{HTTP: s.router}, append(Types(), shaperType(), catcherType())...)
	s.h.Deploy(flow)
	return s
}

// do sends a request and returns status, headers and body.
func (s *site) do(t testing.TB, method, path, ctype, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	s, err := engine.JSONString(v, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decodeJSON parses s as JSON.parse does (objects in key order).
func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

// catcher is a test catch node for its whole flow: errors arrive on its
// output as msg.error.
type catcher struct{}

func (catcher) CatchScope() engine.Scope { return engine.Scope{} }

func (catcher) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}

func catcherType() engine.Type {
	return engine.Type{
		Spec: engine.Spec{Type: "catcher", Category: "test", Inputs: 1, Outputs: 1},
		New:  func(*engine.Config, *engine.Resources) (engine.Node, error) { return catcher{}, nil },
	}
}

// errorText returns msg.error.message.
func errorText(m engine.Msg) string {
	e, _ := engine.AsObject(m["error"])
	s, _ := e.Value("message").(string)
	return s
}
