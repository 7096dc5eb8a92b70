package network

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

const respondFlow = `[
{"id":"t","type":"tab"},
{"id":"in","type":"http in","z":"t","url":"/resp","method":"post","wires":[["s"]]},
{"id":"s","type":"shaper","z":"t","wires":[["r"]]},
{"id":"r","type":"http response","z":"t","statusCode":"","headers":{}},
{"id":"in2","type":"http in","z":"t","url":"/node","method":"post","wires":[["s2"]]},
{"id":"s2","type":"shaper","z":"t","wires":[["r2"]]},
{"id":"r2","type":"http response","z":"t","statusCode":"201","headers":{"content-type":"text/plain","x-a":"node"}}
]`

// The expectations are what Node-RED 4.1 (Express 4.22) answered to the
// same messages.
func TestHTTPResponseEncodings(t *testing.T) {
	s := newSite(t, respondFlow)
	tests := []struct {
		name, path, in string
		status         int
		body           string
		headers        map[string]string // "" means absent
	}{
		{"object", "/resp", `{"v":{"a":1}}`, 200, `{"a":1}`,
			map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff", "Etag": `W/"7-n4nHQM60bXQYySSnisV5QdXpZSA"`, "Content-Length": "7"}},
		{"array", "/resp", `{"v":[1,"x"]}`, 200, `[1,"x"]`,
			map[string]string{"Content-Type": "application/json; charset=utf-8", "Etag": `W/"7-DPydW1kFWIDcgHSCktSU9ecGFF8"`}},
		{"null", "/resp", `{"v":null}`, 200, `null`,
			map[string]string{"Content-Type": "application/json; charset=utf-8", "Etag": `W/"4-K+iMpCQsduglOsYkdIUQZQMtaDM"`}},
		{"number", "/resp", `{"v":42.5}`, 200, `42.5`,
			map[string]string{"Content-Type": "text/html; charset=utf-8", "Etag": `W/"4-bihT/6oSE2t1Gg2Yn+SNlS/S7YY"`, "X-Content-Type-Options": ""}},
		{"string", "/resp", `{"v":"<b>hi</b>"}`, 200, `<b>hi</b>`,
			map[string]string{"Content-Type": "text/html; charset=utf-8", "Etag": `W/"9-rIbKcKXDi8JIHZ5eh07dKB//6KI"`}},
		{"buffer", "/resp", `{"buf":[104,105]}`, 200, `hi`,
			map[string]string{"Content-Type": "application/octet-stream", "Etag": `W/"2-witfkXg0JglCjW9RssWvTAveakI"`}},
		{"undefined", "/resp", `{"undef":true}`, 200, ``,
			map[string]string{"Content-Type": "", "Etag": "", "Content-Length": "0"}},
		{"content type header and status", "/resp", `{"v":"x","h":{"Content-Type":"text/plain"},"s":201}`, 201, `x`,
			map[string]string{"Content-Type": "text/plain; charset=utf-8", "Etag": `W/"1-EfatjsUqKYSrqv18O1FlA3hcIHI"`}},
		{"object with a text content type", "/resp", `{"v":{"a":1},"h":{"content-type":"text/plain"}}`, 200, `{"a":1}`,
			map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": ""}},
		{"empty string, status as text", "/resp", `{"v":"","s":"404"}`, 404, ``,
			map[string]string{"Content-Type": "text/html; charset=utf-8", "Etag": `W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"`, "Content-Length": "0"}},
		{"204 strips the body", "/resp", `{"v":"gone","s":204}`, 204, ``,
			map[string]string{"Content-Type": "", "Content-Length": ""}},
		{"header values as text, arrays repeated", "/resp", `{"v":"x","h":{"X-N":5,"X-L":["a","b"]}}`, 200, `x`,
			map[string]string{"X-N": "5", "X-L": "a"}},
		{"jsonp", "/resp?callback=cb", `{"v":{"a":1}}`, 200, `/**/ typeof cb === 'function' && cb({"a":1});`,
			map[string]string{"Content-Type": "text/javascript; charset=utf-8"}},
		{"node status and headers win", "/node", `{"v":"x","s":500,"h":{"x-a":"msg","x-b":"msg"}}`, 201, `x`,
			map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-A": "node", "X-B": "msg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := s.do(t, "POST", tt.path, "application/json", tt.in)
			if status != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", status, body, tt.status, tt.body)
			}
			for k, v := range tt.headers {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if h.Get("X-Powered-By") != "" {
				t.Error("x-powered-by sent")
			}
		})
	}
}

func TestHTTPResponseCookies(t *testing.T) {
	s := newSite(t, respondFlow)
	now := time.Now()
	status, h, _ := s.do(t, "POST", "/resp", "application/json",
		`{"v":"x","c":{"a":"1","b":{"value":"2","maxAge":1000,"path":"/p","httpOnly":true},"c":null,"d":{"value":null,"path":"/x"},"e":{"value":{"j":1}},"f":{"value":"v","domain":"example.com","secure":true,"sameSite":"lax"}}}`)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	got := map[string]string{}
	var names []string
	for _, line := range h.Values("Set-Cookie") {
		name, _, _ := strings.Cut(line, "=")
		got[name] = line
		names = append(names, name)
	}
	// Node-RED sets them in msg.cookies' key order
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e", "f"}, names); diff != "" {
		t.Errorf("Set-Cookie order (-want +got):\n%s", diff)
	}
	expB := now.Add(time.Second).UTC()
	want := map[string]string{
		"a": "a=1; Path=/",
		"b": "b=2; Max-Age=1; Path=/p; Expires=" + expB.Format(http.TimeFormat) + "; HttpOnly",
		"c": "c=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
		"d": "d=; Path=/x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
		"e": "e=j%3A%7B%22j%22%3A1%7D; Path=/",
		"f": "f=v; Domain=example.com; Path=/; Secure; SameSite=Lax",
	}
	// the expiry second may tick between the request and now
	if alt := "b=2; Max-Age=1; Path=/p; Expires=" + expB.Add(time.Second).Format(http.TimeFormat) + "; HttpOnly"; got["b"] == alt {
		want["b"] = alt
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Set-Cookie (-want +got):\n%s", diff)
	}
}

func TestHTTPResponseConditional(t *testing.T) {
	s := newSite(t, `[{"id":"t","type":"tab"},
{"id":"in","type":"http in","z":"t","url":"/r","method":"get","wires":[["r"]]},
{"id":"r","type":"http response","z":"t","statusCode":"","headers":{}}]`)
	_, h, _ := s.do(t, "GET", "/r?a=1", "", "")
	etag := h.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	tests := []struct {
		name, method, inm string
		status            int
	}{
		{"matching etag", "GET", etag, 304},
		{"other etag", "GET", `W/"1-x"`, 200},
		{"HEAD matching", "HEAD", etag, 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := s.do(t, tt.method, "/r?a=1", "", "", "If-None-Match", tt.inm)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if status == 304 && (body != "" || h.Get("Content-Type") != "") {
				t.Errorf("304 with body %q or type %q", body, h.Get("Content-Type"))
			}
		})
	}
	t.Run("HEAD has headers, no body", func(t *testing.T) {
		status, h, body := s.do(t, "HEAD", "/r?a=1", "", "")
		if status != 200 || body != "" || h.Get("Content-Length") != "9" {
			t.Errorf("got %d %q %v", status, body, h)
		}
	})
}

func TestHTTPResponseErrors(t *testing.T) {
	t.Run("boolean payload is Node-RED's TypeError", func(t *testing.T) {
		s := newSite(t, respondFlow)
		s.router.ResponseTimeout = 50 * time.Millisecond
		status, _, _ := s.do(t, "POST", "/resp", "application/json", `{"v":true}`)
		if status != http.StatusServiceUnavailable {
			t.Errorf("status %d, want the request left unanswered (503 at timeout)", status)
		}
		want := `The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received type boolean (true)`
		if diff := cmp.Diff([]string{want}, s.h.Errors(), enginetest.OrderedObjects()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("no response object warns", func(t *testing.T) {
		s := newSite(t, respondFlow)
		s.router.ResponseTimeout = 50 * time.Millisecond
		s.do(t, "POST", "/resp", "application/json", `{"v":"x","nores":true}`)
		var warned bool
		for _, e := range s.h.Events() {
			d, _ := engine.AsObject(e.Data)
			warned = warned || d.Value("msg") == "No response object" && d.Value("level") == 30 && d.Value("id") == "r"
		}
		if !warned {
			t.Errorf("no warning: %v", s.h.Events())
		}
	})
	t.Run("second answer", func(t *testing.T) {
		s := newSite(t, `[{"id":"t","type":"tab"},
{"id":"in","type":"http in","z":"t","url":"/r","method":"get","wires":[["r1","r2"]]},
{"id":"r1","type":"http response","z":"t"},{"id":"r2","type":"http response","z":"t"},
{"id":"k","type":"catcher","z":"t","wires":[["c"]]},{"id":"c","type":"helper","z":"t"}]`)
		if status, _, _ := s.do(t, "GET", "/r", "", ""); status != 200 {
			t.Fatalf("status %d", status)
		}
		m := s.h.Wait("c", 1, 5*time.Second)[0]
		if got := errorText(m); got != "Cannot set headers after they are sent to the client" {
			t.Errorf("error %q", got)
		}
	})
}

func TestHTTPResponseClone(t *testing.T) {
	r := &Response{}
	m := engine.Msg{"res": r, "payload": "x"}
	if c := m.Clone(); c["res"] != any(r) {
		t.Fatal("Clone copied msg.res")
	}
}
