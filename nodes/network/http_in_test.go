package network

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

const echoFlow = `[
{"id":"t","type":"tab"},
{"id":"in","type":"http in","z":"t","url":"/echo/:id","method":"post","upload":false,"wires":[["c","r"]]},
{"id":"get","type":"http in","z":"t","url":"get","method":"get","wires":[["c","r"]]},
{"id":"up","type":"http in","z":"t","url":"/up","method":"post","upload":true,"wires":[["c","r"]]},
{"id":"raw","type":"http in","z":"t","url":"/raw","method":"put","skipBodyParsing":true,"wires":[["c","r"]]},
{"id":"c","type":"helper","z":"t"},
{"id":"r","type":"http response","z":"t","statusCode":"","headers":{}}
]`

func TestHTTPInBodies(t *testing.T) {
	s := newSite(t, echoFlow)
	tests := []struct {
		name, ctype, body string
		status            int
		payload           any
	}{
		{"json object", "application/json", `{"a":1,"b":[true,null]}`, 200, engine.ObjectOf("a", 1.0, "b", []any{true, nil})},
		{"json array", "application/json; charset=utf-8", `[1,2]`, 200, []any{1.0, 2.0}},
		{"json empty", "application/json", "", 200, engine.NewObject(0)},
		{"malformed json", "application/json", `{bad`, 400, nil},
		{"json primitive is refused (strict)", "application/json", `"str"`, 400, nil},
		{"urlencoded", "application/x-www-form-urlencoded", "a=1&a=2&x[y][z]=3&b[]=1&s=a+b&e=", 200,
			engine.ObjectOf("a", []any{"1", "2"}, "x", engine.ObjectOf("y", engine.ObjectOf("z", "3")), "b", []any{"1"}, "s", "a b", "e", "")},
		{"urlencoded too deep", "application/x-www-form-urlencoded", "a" + strings.Repeat("[b]", 33) + "=1", 400, nil},
		{"text", "text/plain", "hello", 200, "hello"},
		{"xml", "application/xml", "<a/>", 200, "<a/>"},
		{"octet-stream", "application/octet-stream", "hello", 200, []byte("hello")},
		{"unknown application type, UTF-8", "application/foo", "hello", 200, "hello"},
		{"unknown application type, binary", "application/foo", "\xff\xfe", 200, []byte{0xff, 0xfe}},
		{"image", "image/png", "hello", 200, []byte("hello")},
		{"no content type", "", "hello", 200, "hello"},
		{"no body", "", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.h.Reset()
			status, h, body := s.do(t, "POST", "/echo/1", tt.ctype, tt.body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			if status != 200 {
				if h.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, "<title>Error</title>") {
					t.Errorf("error page: %v %q", h, body)
				}
				if got := s.h.Collected()["c"]; len(got) != 0 {
					t.Errorf("the flow ran: %v", got)
				}
				return
			}
			m := s.h.Wait("c", 1, 5*time.Second)[0]
			if diff := cmp.Diff(tt.payload, m["payload"], enginetest.OrderedObjects()); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
			req := m["req"].(*engine.Object)
			if diff := cmp.Diff(m["payload"], req.Value("body"), enginetest.OrderedObjects()); diff != "" {
				t.Errorf("req.body differs from payload:\n%s", diff)
			}
		})
	}
}

func TestHTTPInBodyLimit(t *testing.T) {
	s := newSite(t, echoFlow)
	s.router.MaxBodyBytes = 10
	if status, _, _ := s.do(t, "POST", "/echo/1", "text/plain", "0123456789"); status != 200 {
		t.Errorf("at the limit: status %d, want 200", status)
	}
	if status, _, _ := s.do(t, "POST", "/echo/1", "text/plain", "0123456789x"); status != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: status %d, want 413", status)
	}
}

func TestHTTPInRequest(t *testing.T) {
	s := newSite(t, echoFlow)
	status, _, _ := s.do(t, "GET", "/GET/?a=1&a=2&x[y]=3&s=a+b", "", "",
		"Cookie", `c1=v1; c2=v%20x; c3="q"; j=j:{"a":1}`, "X-Foo", "Bar", "X-Foo", "Baz")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	m := s.h.Wait("c", 1, 5*time.Second)[0]
	req := m["req"].(*engine.Object)
	host := strings.TrimPrefix(s.srv.URL, "http://")
	query := engine.ObjectOf("a", []any{"1", "2"}, "x", engine.ObjectOf("y", "3"), "s", "a b")
	want := engine.ObjectOf(
		"headers", engine.ObjectOf(
			"host", host, "accept-encoding", "gzip", "cookie", `c1=v1; c2=v%20x; c3="q"; j=j:{"a":1}`,
			"user-agent", "Go-http-client/1.1", "x-foo", "Bar, Baz",
		),
		"params", engine.NewObject(0),
		"query", query,
		"cookies", engine.ObjectOf("c1", "v1", "c2", "v x", "c3", "q", "j", engine.ObjectOf("a", 1.0)),
		"signedCookies", engine.NewObject(0),
		"method", "GET",
		"url", "/GET/?a=1&a=2&x[y]=3&s=a+b",
		"originalUrl", "/GET/?a=1&a=2&x[y]=3&s=a+b",
		"baseUrl", "",
		"path", "/GET/",
		"hostname", "127.0.0.1",
		"ip", "127.0.0.1",
		"protocol", "http",
		"secure", false,
		"httpVersion", "1.1",
		"body", engine.NewObject(0),
	)
	if diff := cmp.Diff(want, req, enginetest.OrderedObjects()); diff != "" {
		t.Errorf("msg.req (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(query, m["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Errorf("payload is not the query:\n%s", diff)
	}
	if _, ok := m["res"].(*Response); !ok {
		t.Errorf("msg.res = %T", m["res"])
	}
}

func TestHTTPInParamsAndRaw(t *testing.T) {
	s := newSite(t, echoFlow)
	if status, _, _ := s.do(t, "POST", "/echo/AbC%20d", "text/plain", "x"); status != 200 {
		t.Fatalf("status %d", status)
	}
	m := s.h.Wait("c", 1, 5*time.Second)[0]
	if diff := cmp.Diff(engine.ObjectOf("id", "AbC d"), m["req"].(*engine.Object).Value("params"), enginetest.OrderedObjects()); diff != "" {
		t.Error(diff)
	}
	s.h.Reset()
	if status, _, _ := s.do(t, "PUT", "/raw", "application/json", `{"a":1}`); status != 200 {
		t.Fatalf("status %d", status)
	}
	m = s.h.Wait("c", 1, 5*time.Second)[0]
	if diff := cmp.Diff([]byte(`{"a":1}`), m["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Errorf("skipBodyParsing payload:\n%s", diff)
	}
}

func TestHTTPInUpload(t *testing.T) {
	s := newSite(t, echoFlow)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("name", "bob")
	fw, _ := w.CreateFormFile("f", "notes.txt")
	_, _ = fw.Write([]byte("hello"))
	_ = w.Close()
	status, _, body := s.do(t, "POST", "/up", w.FormDataContentType(), buf.String())
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	m := s.h.Wait("c", 1, 5*time.Second)[0]
	req := m["req"].(*engine.Object)
	if diff := cmp.Diff(engine.ObjectOf("name", "bob"), m["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Errorf("payload:\n%s", diff)
	}
	wantFiles := []any{engine.ObjectOf(
		"fieldname", "f", "originalname", "notes.txt", "encoding", "7bit",
		"mimetype", "application/octet-stream", "buffer", []byte("hello"), "size", 5.0,
	)}
	if diff := cmp.Diff(wantFiles, req.Value("files"), enginetest.OrderedObjects()); diff != "" {
		t.Errorf("files:\n%s", diff)
	}
}

func TestHTTPInWaitsForResponse(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		s := newSite(t, `[{"id":"t","type":"tab"},{"id":"in","type":"http in","z":"t","url":"/slow","method":"get","wires":[[]]}]`)
		s.router.ResponseTimeout = 20 * time.Millisecond
		status, _, body := s.do(t, "GET", "/slow", "", "")
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "Service Unavailable") {
			t.Errorf("got %d %q, want 503", status, body)
		}
	})
	t.Run("node closed", func(t *testing.T) {
		s := newSite(t, `[{"id":"t","type":"tab"},{"id":"in","type":"http in","z":"t","url":"/slow","method":"get","wires":[["c"]]},{"id":"c","type":"helper","z":"t"}]`)
		got := make(chan int, 1)
		go func() {
			resp, err := http.Get(s.srv.URL + "/slow")
			if err != nil {
				got <- 0
				return
			}
			resp.Body.Close()
			got <- resp.StatusCode
		}()
		s.h.Wait("c", 1, 5*time.Second)
		s.h.Deploy(`[{"id":"t","type":"tab"}]`)
		if status := <-got; status != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503", status)
		}
		if status, _, _ := s.do(t, "GET", "/slow", "", ""); status != http.StatusNotFound {
			t.Errorf("after close: status %d, want 404", status)
		}
	})
}

func TestHTTPInConfig(t *testing.T) {
	tests := []struct {
		name, props string
		badField    string // the property the deploy warns about; "": none
	}{
		{"bad method", `"url":"/x","method":"head"`, "method"},
		{"bad route", `"url":"/:id(a[)","method":"get"`, "url"},
		{"no url warns", `"url":"","method":"get"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := enginetest.NewWith(t, enginetest.Options{HTTP: &Router{}}, Types()...)
			w := h.Deploy(`[{"id":"t","type":"tab"},{"id":"in","type":"http in","z":"t",` + tt.props + `}]`)
			if tt.badField != "" {
				if len(w) != 1 || w[0].Node != "in" || w[0].Field != tt.badField {
					t.Fatalf("deploy warnings %v, want one on in %s", w, tt.badField)
				}
				if !h.Inert("in") {
					t.Errorf("node in runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["in"])
				}
			} else {
				if len(w) != 0 {
					t.Errorf("deploy warnings %v, want none", w)
				}
				var warned bool
				for _, e := range h.Events() {
					d, _ := engine.AsObject(e.Data)
					warned = warned || d.Value("msg") == "missing path" && d.Value("level") == 30
				}
				if !warned {
					t.Errorf("no \"missing path\" warning: %v", h.Events())
				}
			}
		})
	}
}

// TestHTTPInResponseEndToEnd deploys http in → http response and checks
// answers, including after a redeploy moves the route.
func TestHTTPInResponseEndToEnd(t *testing.T) {
	flow := func(url string) string {
		return `[{"id":"t","type":"tab"},
{"id":"in","type":"http in","z":"t","url":"` + url + `","method":"get","wires":[["r"]]},
{"id":"r","type":"http response","z":"t","statusCode":"","headers":{"x-app":"flowgate"}}]`
	}
	s := newSite(t, flow("/v1/:name"))
	status, h, body := s.do(t, "GET", "/v1/bob?q=1", "", "")
	if status != 200 || body != `{"q":"1"}` || h.Get("X-App") != "flowgate" || h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("got %d %v %q", status, h, body)
	}
	if h.Get("X-Powered-By") != "" {
		t.Error("x-powered-by sent")
	}
	s.h.Deploy(flow("/v2/:name"))
	if status, _, _ := s.do(t, "GET", "/v1/bob", "", ""); status != 404 {
		t.Errorf("old route: %d, want 404", status)
	}
	if status, _, _ := s.do(t, "GET", "/v2/bob", "", ""); status != 200 {
		t.Errorf("new route: %d, want 200", status)
	}
}

// TestHTTPKeyOrder pins JavaScript's key order from request to answer:
// JSON and urlencoded bodies and query strings are parsed in order and the
// http response writes the object as JSON.stringify does (Node-RED 4
// answers these bodies byte for byte).
func TestHTTPKeyOrder(t *testing.T) {
	s := newSite(t, echoFlow)
	tests := []struct{ name, method, path, ctype, body, want string }{
		{"json body", "POST", "/echo/1", "application/json", `{"name":"bob","age":42,"10":"x","2":"y","nested":{"z":1,"a":[{"q":1,"b":2}]}}`,
			`{"2":"y","10":"x","name":"bob","age":42,"nested":{"z":1,"a":[{"q":1,"b":2}]}}`},
		{"urlencoded body", "POST", "/echo/1", "application/x-www-form-urlencoded", "zeta=1&alpha=2&m[y]=3&m[b]=4",
			`{"zeta":"1","alpha":"2","m":{"y":"3","b":"4"}}`},
		{"query", "GET", "/get?zeta=1&alpha=2&m[y]=3&m[b]=4", "", "", `{"zeta":"1","alpha":"2","m":{"y":"3","b":"4"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := s.do(t, tt.method, tt.path, tt.ctype, tt.body)
			if status != 200 || body != tt.want {
				t.Errorf("got %d %s\nwant %s", status, body, tt.want)
			}
		})
	}
}

func BenchmarkHTTPInResponse(b *testing.B) {
	s := newSite(b, `[{"id":"t","type":"tab"},
{"id":"in","type":"http in","z":"t","url":"/bench","method":"get","wires":[["r"]]},
{"id":"r","type":"http response","z":"t","statusCode":"","headers":{}}]`)
	client := s.srv.Client()
	url := s.srv.URL + "/bench?x=1"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		var sink [64]byte
		for {
			if _, err := resp.Body.Read(sink[:]); err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
