package network

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// upstream is the server http request nodes talk to in these tests.
func upstream(t *testing.T) (*httptest.Server, chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hdr := map[string]any{}
		for k := range r.Header {
			hdr[strings.ToLower(k)] = r.Header.Get(k)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(engine.ObjectOf(
			"method", r.Method, "body", string(body), "query", r.URL.RawQuery, "headers", hdr,
		))
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "not json") })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "r", Value: "1"})
		http.Redirect(w, r, "/redirect2", http.StatusFound)
	})
	mux.HandleFunc("/redirect2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/text", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/cookies", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "k=v%20w; Path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "z=1")
		fmt.Fprint(w, r.Header.Get("Cookie"))
	})
	mux.HandleFunc("/digest", func(w http.ResponseWriter, r *http.Request) {
		if !checkDigest(r, "alice", "secret") {
			w.Header().Set("WWW-Authenticate", `Digest realm="test", qop="auth", nonce="abc123", opaque="xyz"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "welcome")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "slow")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		srv.Close()
	})
	return srv, release
}

var digestField = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|([^,\s]*))`)

func checkDigest(r *http.Request, user, pass string) bool {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Digest ")
	if !ok {
		return false
	}
	f := map[string]string{}
	for _, m := range digestField.FindAllStringSubmatch(auth, -1) {
		f[m[1]] = m[2] + m[3]
	}
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	ha1 := h(user + ":test:" + pass)
	ha2 := h(r.Method + ":" + r.URL.RequestURI())
	want := h(ha1 + ":" + f["nonce"] + ":" + f["nc"] + ":" + f["cnonce"] + ":" + f["qop"] + ":" + ha2)
	return f["username"] == user && f["response"] == want && f["opaque"] == "xyz" && f["uri"] == r.URL.RequestURI()
}

// requestFlow is an http request node "rq" (extra properties spliced in)
// wired to collector "c", with a catcher wired to collector "e".
func requestFlow(props string) string {
	return `[{"id":"t","type":"tab"},
{"id":"rq","type":"http request","z":"t",` + props + `,"wires":[["c"]]},
{"id":"c","type":"helper","z":"t"},
{"id":"k","type":"catcher","z":"t","wires":[["e"]]},{"id":"e","type":"helper","z":"t"}]`
}

func newRequestHarness(t *testing.T, props string) *enginetest.Harness {
	t.Helper()
	h := enginetest.New(t, append(Types(), catcherType())...)
	h.Deploy(requestFlow(props))
	return h
}

func TestHTTPRequestMethodsAndBodies(t *testing.T) {
	srv, _ := upstream(t)
	echo := srv.URL + "/echo"
	tests := []struct {
		name  string
		props string
		in    engine.Msg
		want  *engine.Object // fields of the echoed request
	}{
		{"GET", `"method":"GET","ret":"obj"`, engine.Msg{"url": echo, "payload": "ignored"},
			engine.ObjectOf("method", "GET", "body", "", "query", "")},
		{"POST object as JSON", `"method":"POST","ret":"obj"`, engine.Msg{"url": echo, "payload": engine.ObjectOf("a", 1.0)},
			engine.ObjectOf("method", "POST", "body", `{"a":1}`, "content-type", "application/json")},
		{"POST string", `"method":"POST","ret":"obj"`, engine.Msg{"url": echo, "payload": "hi"},
			engine.ObjectOf("method", "POST", "body", "hi", "content-type", nil)},
		{"PUT number", `"method":"PUT","ret":"obj"`, engine.Msg{"url": echo, "payload": 42.0},
			engine.ObjectOf("method", "PUT", "body", "42")},
		{"PATCH buffer", `"method":"PATCH","ret":"obj"`, engine.Msg{"url": echo, "payload": []byte{1, 2}},
			engine.ObjectOf("method", "PATCH", "body", "\x01\x02")},
		{"DELETE", `"method":"DELETE","ret":"obj"`, engine.Msg{"url": echo},
			engine.ObjectOf("method", "DELETE", "body", "")},
		{"urlencoded", `"method":"POST","ret":"obj"`, engine.Msg{"url": echo, "payload": engine.ObjectOf("a", "x y", "b", []any{"1", "2"}),
			"headers": engine.ObjectOf("content-type", "application/x-www-form-urlencoded")},
			engine.ObjectOf("body", "a=x%20y&b=1&b=2", "content-type", "application/x-www-form-urlencoded")},
		{"urlencoded in key order", `"method":"POST","ret":"obj"`, engine.Msg{"url": echo, "payload": engine.ObjectOf("zeta", "1", "alpha", "2"),
			"headers": engine.ObjectOf("content-type", "application/x-www-form-urlencoded")},
			engine.ObjectOf("body", "zeta=1&alpha=2")},
		{"payload to query in key order", `"method":"GET","ret":"obj","paytoqs":"query"`, engine.Msg{"url": echo, "payload": engine.ObjectOf("zeta", "1", "alpha", "2")},
			engine.ObjectOf("query", "zeta=1&alpha=2")},
		{"method from msg", `"method":"use","ret":"obj"`, engine.Msg{"url": echo, "method": "patch", "payload": "p"},
			engine.ObjectOf("method", "PATCH", "body", "p")},
		{"payload to query", `"method":"GET","ret":"obj","paytoqs":"query"`, engine.Msg{"url": echo + "?x=1", "payload": engine.ObjectOf("a", "b c")},
			engine.ObjectOf("query", "x=1&a=b%20c", "body", "")},
		{"payload as GET body", `"method":"GET","ret":"obj","paytoqs":"body"`, engine.Msg{"url": echo, "payload": engine.ObjectOf("a", 1.0)},
			engine.ObjectOf("body", `{"a":1}`)},
		{"bad percent in query", `"method":"GET","ret":"obj"`, engine.Msg{"url": echo + "?a=hello%20there&b=20%"},
			engine.ObjectOf("query", "a=hello%20there&b=20%25")},
		{"url template", `"method":"GET","ret":"obj","url":"` + srv.URL + `/{{topic}}?q={{{q}}}"`, engine.Msg{"topic": "echo", "q": "a&b"},
			engine.ObjectOf("query", "q=a&b")},
		{"header rules override msg.headers", `"method":"GET","ret":"obj","headers":[
			{"keyType":"other","keyValue":"X-Api","valueType":"other","valueValue":"node"},
			{"keyType":"Accept","keyValue":"","valueType":"msg","valueValue":"want"},
			{"keyType":"msg","keyValue":"hname","valueType":"other","valueValue":"v"}]`,
			engine.Msg{"url": echo, "want": "text/csv", "hname": "X-Dyn", "headers": engine.ObjectOf("x-api", "msg", "x-keep", 7.0)},
			engine.ObjectOf("x-api", "node", "accept", "text/csv", "x-dyn", "v", "x-keep", "7")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRequestHarness(t, tt.props)
			h.Send("rq", tt.in)
			m := h.Wait("c", 1, 5*time.Second)[0]
			if m["statusCode"] != 200.0 {
				t.Fatalf("statusCode %v: %v", m["statusCode"], m["payload"])
			}
			echoed, ok := m["payload"].(*engine.Object)
			if !ok {
				t.Fatalf("payload %T %v", m["payload"], m["payload"])
			}
			if diff := cmp.Diff([]string{"method", "body", "query", "headers"}, echoed.Keys()); diff != "" {
				t.Errorf("parsed answer keys not in the order sent (-want +got):\n%s", diff)
			}
			hdr := echoed.Value("headers").(*engine.Object)
			for k, want := range tt.want.All() {
				got, has := echoed.Get(k)
				if !has {
					got = hdr.Value(k)
				}
				if diff := cmp.Diff(want, got, enginetest.OrderedObjects()); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}

func TestHTTPRequestReturnTypes(t *testing.T) {
	srv, _ := upstream(t)
	tests := []struct {
		name, ret, path string
		want            any
		warn            string
	}{
		{"txt", "txt", "/text", "not json", ""},
		{"bin", "bin", "/text", []byte("not json"), ""},
		{"obj falls back to text", "obj", "/text", "not json", "JSON parse error"},
		{"obj of 204 is {}", "obj", "/empty", engine.NewObject(0), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRequestHarness(t, `"method":"GET","ret":"`+tt.ret+`","url":"`+srv.URL+tt.path+`"`)
			h.Send("rq", engine.Msg{})
			m := h.Wait("c", 1, 5*time.Second)[0]
			if diff := cmp.Diff(tt.want, m["payload"], enginetest.OrderedObjects()); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
			var warned bool
			for _, e := range h.Events() {
				d, _ := engine.AsObject(e.Data)
				warned = warned || d.Value("level") == 30 && d.Value("msg") == tt.warn
			}
			if tt.warn != "" && !warned {
				t.Errorf("no warning %q", tt.warn)
			}
			hdr := m["headers"].(*engine.Object).Clone()
			mark := hdr.Value(requestNodeHeader)
			hdr.Delete(requestNodeHeader)
			if mark != headerHash(hdr) {
				t.Errorf("headers mark %v does not match", mark)
			}
			if m["responseUrl"] != srv.URL+tt.path || m["retry"] != 0.0 {
				t.Errorf("responseUrl %v retry %v", m["responseUrl"], m["retry"])
			}
		})
	}
}

func TestHTTPRequestRedirectsAndCookies(t *testing.T) {
	srv, _ := upstream(t)
	t.Run("followed", func(t *testing.T) {
		h := newRequestHarness(t, `"method":"GET","ret":"txt"`)
		h.Send("rq", engine.Msg{"url": srv.URL + "/redirect"})
		m := h.Wait("c", 1, 5*time.Second)[0]
		want := []any{
			engine.ObjectOf("location", "/redirect2", "cookies", engine.ObjectOf("r", engine.ObjectOf("value", "1"))),
			engine.ObjectOf("location", "/text"),
		}
		if diff := cmp.Diff(want, m["redirectList"], enginetest.OrderedObjects()); diff != "" {
			t.Errorf("redirectList (-want +got):\n%s", diff)
		}
		if m["responseUrl"] != srv.URL+"/text" || m["payload"] != "not json" {
			t.Errorf("responseUrl %v payload %v", m["responseUrl"], m["payload"])
		}
	})
	t.Run("not followed", func(t *testing.T) {
		h := newRequestHarness(t, `"method":"GET","ret":"txt"`)
		h.Send("rq", engine.Msg{"url": srv.URL + "/redirect", "followRedirects": false})
		m := h.Wait("c", 1, 5*time.Second)[0]
		if m["statusCode"] != 302.0 {
			t.Errorf("statusCode %v, want 302", m["statusCode"])
		}
	})
	t.Run("cookies", func(t *testing.T) {
		h := newRequestHarness(t, `"method":"GET","ret":"txt"`)
		h.Send("rq", engine.Msg{"url": srv.URL + "/cookies", "cookies": engine.ObjectOf("a", "x y", "b", engine.ObjectOf("value", "2"), "c", nil)})
		m := h.Wait("c", 1, 5*time.Second)[0]
		sent := strings.Split(m["payload"].(string), "; ")
		if diff := cmp.Diff([]string{"a=x%20y", "b=2"}, sortStrings(sent), enginetest.OrderedObjects()); diff != "" {
			t.Errorf("cookies sent:\n%s", diff)
		}
		want := engine.ObjectOf("k", engine.ObjectOf("Path", "/", "value", "v w"), "z", engine.ObjectOf("value", "1"))
		if diff := cmp.Diff(want, m["responseCookies"], enginetest.OrderedObjects()); diff != "" {
			t.Errorf("responseCookies (-want +got):\n%s", diff)
		}
	})
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestHTTPRequestAuth(t *testing.T) {
	srv, _ := upstream(t)
	tests := []struct {
		name, props, url, want string
	}{
		{"basic", `"authType":"basic","credentials":{"user":"alice","password":"secret"}`, srv.URL + "/echo", "Basic YWxpY2U6c2VjcmV0"},
		{"basic is the default", `"authType":"","credentials":{"user":"alice","password":"secret"}`, srv.URL + "/echo", "Basic YWxpY2U6c2VjcmV0"},
		{"basic from the url", `"authType":"basic"`, strings.Replace(srv.URL, "http://", "http://bob:pw@", 1) + "/echo", "Basic Ym9iOnB3"},
		{"bearer", `"authType":"bearer","credentials":{"password":"tok"}`, srv.URL + "/echo", "Bearer tok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRequestHarness(t, `"method":"GET","ret":"obj",`+tt.props)
			h.Send("rq", engine.Msg{"url": tt.url})
			m := h.Wait("c", 1, 5*time.Second)[0]
			got := m["payload"].(*engine.Object).Value("headers").(*engine.Object).Value("authorization")
			if got != tt.want {
				t.Errorf("authorization %v, want %q", got, tt.want)
			}
		})
	}
	t.Run("digest", func(t *testing.T) {
		h := newRequestHarness(t, `"method":"GET","ret":"txt","authType":"digest","credentials":{"user":"alice","password":"secret"}`)
		h.Send("rq", engine.Msg{"url": srv.URL + "/digest?x=1"})
		m := h.Wait("c", 1, 5*time.Second)[0]
		if m["statusCode"] != 200.0 || m["payload"] != "welcome" {
			t.Errorf("got %v %v", m["statusCode"], m["payload"])
		}
	})
	t.Run("digest with a wrong password", func(t *testing.T) {
		h := newRequestHarness(t, `"method":"GET","ret":"txt","authType":"digest","credentials":{"user":"alice","password":"nope"}`)
		h.Send("rq", engine.Msg{"url": srv.URL + "/digest"})
		m := h.Wait("c", 1, 5*time.Second)[0]
		if m["statusCode"] != 401.0 {
			t.Errorf("statusCode %v, want 401", m["statusCode"])
		}
	})
}

func TestHTTPRequestErrors(t *testing.T) {
	srv, _ := upstream(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/x"
	l.Close()
	tests := []struct {
		name, props string
		in          engine.Msg
		err         string
		payload     string
		status      any
		sent        bool
	}{
		{"connection refused", `"method":"GET"`, engine.Msg{"url": refused, "payload": "in"},
			"RequestError: connect ECONNREFUSED " + strings.TrimPrefix(refused[:strings.LastIndex(refused, "/")], "http://"),
			"RequestError: connect ECONNREFUSED " + strings.TrimPrefix(refused[:strings.LastIndex(refused, "/")], "http://") + " : " + refused, "ECONNREFUSED", true},
		{"senderr keeps the message", `"method":"GET","senderr":true`, engine.Msg{"url": refused, "payload": "in"},
			"RequestError: connect ECONNREFUSED " + strings.TrimPrefix(refused[:strings.LastIndex(refused, "/")], "http://"), "", nil, false},
		{"timeout", `"method":"GET"`, engine.Msg{"url": srv.URL + "/slow", "requestTimeout": 30.0, "payload": "in"},
			"no response from server", "TimeoutError: Timeout awaiting 'request' for 30ms : " + srv.URL + "/slow", "ETIMEDOUT", true},
		{"no url", `"method":"GET"`, engine.Msg{"payload": "in"}, "No url specified", "", nil, false},
		{"payload to query needs an object", `"method":"GET","paytoqs":"query"`, engine.Msg{"url": srv.URL + "/echo", "payload": "x"}, "Invalid payload", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRequestHarness(t, tt.props)
			inPayload := tt.in["payload"]
			h.Send("rq", tt.in)
			e := h.Wait("e", 1, 5*time.Second)[0]
			if got := errorText(e); got != tt.err {
				t.Errorf("error %q, want %q", got, tt.err)
			}
			if e["payload"] != inPayload {
				t.Errorf("the catch node got payload %v, want the input's", e["payload"])
			}
			if !tt.sent {
				if got := h.Collected()["c"]; len(got) != 0 {
					t.Errorf("message sent: %v", got)
				}
				return
			}
			m := h.Wait("c", 1, 5*time.Second)[0]
			if m["payload"] != tt.payload || m["statusCode"] != tt.status {
				t.Errorf("got payload %q statusCode %v, want %q %v", m["payload"], m["statusCode"], tt.payload, tt.status)
			}
		})
	}
}

// TestHTTPRequestConcurrent shows that a slow request does not hold up the
// next message: answers leave in completion order, as in Node-RED.
func TestHTTPRequestConcurrent(t *testing.T) {
	srv, release := upstream(t)
	h := newRequestHarness(t, `"method":"GET","ret":"txt"`)
	h.Send("rq", engine.Msg{"url": srv.URL + "/slow", "topic": "slow"})
	h.Send("rq", engine.Msg{"url": srv.URL + "/text", "topic": "fast"})
	first := h.Wait("c", 1, 5*time.Second)[0]
	if first["topic"] != "fast" {
		t.Fatalf("first answer %v, want the fast one", first["topic"])
	}
	close(release)
	both := h.Wait("c", 2, 5*time.Second)
	if both[1]["topic"] != "slow" {
		t.Errorf("second answer %v", both[1]["topic"])
	}
	if st := h.E.Statuses()["rq"]; st != (engine.Status{}) {
		t.Errorf("status %v, want cleared", st)
	}
}

func TestHeaderHash(t *testing.T) {
	// values from the hash-sum package Node-RED uses
	tests := []struct {
		in   string
		want string
	}{
		{`{"a":"1"}`, "5e4582e8"},
		{`{"content-type":"text/html; charset=utf-8","set-cookie":["a=1","b=2"],"x-n":"5"}`, "483d5a66"},
		{`{}`, "59322f29"},
		{`{"k":"élan ☃ 😀","z":""}`, "38e3fdef"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := headerHash(decodeJSON(t, tt.in)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestHTTPRequestToResponse checks that headers an http request node
// produced are not copied into an http response unless changed.
func TestHTTPRequestToResponse(t *testing.T) {
	n := &httpResponse{res: &engine.Resources{}, headers: engine.NewObject(0)}
	hdr := engine.ObjectOf("content-type", "text/plain", "x-up", "1")
	marked := func() *engine.Object {
		h := hdr.Clone()
		h.Set(requestNodeHeader, headerHash(hdr))
		return h
	}
	rep, err := n.reply(engine.Msg{"payload": "x", "headers": marked()}, &Response{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.header.Get("X-Up") != "" || rep.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("unchanged upstream headers were copied: %v", rep.header)
	}
	changed := marked()
	changed.Set("x-up", "2")
	rep, err = n.reply(engine.Msg{"payload": "x", "headers": changed}, &Response{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.header.Get("X-Up") != "2" || rep.header.Get(requestNodeHeader) != "" {
		t.Errorf("changed headers: %v", rep.header)
	}
}

// TestFormDataOrder checks that multipart fields go out in the payload's
// key order, as the form-data package appends them.
func TestFormDataOrder(t *testing.T) {
	body, boundary, err := formData(engine.ObjectOf("zeta", "1", "alpha", []byte("b"), "mid", engine.ObjectOf("value", "v", "options", engine.ObjectOf("filename", "f.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType("multipart/form-data; boundary=" + boundary)
	r := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
	var names []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.FormName())
	}
	if diff := cmp.Diff([]string{"zeta", "alpha", "mid"}, names); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
