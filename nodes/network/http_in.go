package network

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/httpform"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func httpInSpec() engine.Spec {
	return engine.Spec{
		Type: "http in", Category: "network", Color: "rgb(231, 231, 174)", Icon: "white-globe.svg",
		Inputs: 0, Outputs: 1, LabelProp: "url",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "method", Label: "Method", Kind: engine.KindSelect, Default: "get", Required: true, Options: []engine.Option{
				{Value: "get", Label: "GET"}, {Value: "post", Label: "POST"}, {Value: "put", Label: "PUT"},
				{Value: "delete", Label: "DELETE"}, {Value: "patch", Label: "PATCH"},
			}},
			{Name: "upload", Label: "Accept file uploads", Kind: engine.KindBool, Default: false},
			{Name: "skipBodyParsing", Label: "Do not parse request body", Kind: engine.KindBool, Default: false},
			{Name: "url", Label: "URL", Kind: engine.KindString, Default: "", Required: true},
			{Name: "swaggerDoc", Label: "Docs", Kind: engine.KindConfig, ConfigType: "swagger-doc", Default: ""},
		},
		Help: help("http in"),
	}
}

// httpIn serves one route and turns each request into a message that waits
// for an http response node.
type httpIn struct {
	res       *engine.Resources
	log       nodeLog
	url       string
	method    string
	upload    bool
	skipParse bool
	remove    func()
	closed    chan struct{} // closed by Close: pending requests get 503
	closeOnce sync.Once
	inflight  sync.WaitGroup // requests being served
}

func newHTTPIn(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &httpIn{
		res:       res,
		log:       nodeLog{res: res, cfg: cfg},
		url:       p.String("url", ""),
		method:    strings.ToLower(p.String("method", "get")),
		upload:    p.Bool("upload", false),
		skipParse: p.Bool("skipBodyParsing", false),
		closed:    make(chan struct{}),
	}
	switch n.method {
	case "get", "post", "put", "delete", "patch":
	default:
		p.Fail("method", "must be get, post, put, delete or patch, got %q", n.method)
	}
	if n.url != "" && n.url[0] != '/' {
		n.url = "/" + n.url
	}
	if n.url != "" {
		if _, _, err := compileRoute(n.url); err != nil {
			p.Fail("url", "invalid route: %v", err)
		}
	}
	return n, p.Err()
}

// Start registers the route.
func (n *httpIn) Start(context.Context) error {
	if n.url == "" {
		n.log.warn("missing path")
		return nil
	}
	if n.res.HTTP == nil {
		n.log.warn("Cannot create http-in node when httpNodeRoot set to false")
		return nil
	}
	remove, err := n.res.HTTP.Route(n.method, n.url, http.HandlerFunc(n.serve))
	if err != nil {
		return err
	}
	n.remove = remove
	return nil
}

// Close removes the route and answers pending requests with 503.
func (n *httpIn) Close(ctx context.Context) error {
	n.closeOnce.Do(func() {
		if n.remove != nil {
			n.remove()
		}
		close(n.closed)
	})
	return shutdown.Wait(ctx, &n.inflight)
}

// serve builds the message for one request and waits for its answer.
func (n *httpIn) serve(w http.ResponseWriter, r *http.Request) {
	n.inflight.Add(1)
	defer n.inflight.Done()
	select {
	case <-n.closed:
		sendError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	default:
	}
	info, _ := r.Context().Value(routeInfoKey{}).(*routeInfo)
	maxBody, timeout := int64(DefaultMaxBodyBytes), DefaultResponseTimeout
	params := engine.NewObject(0)
	if info != nil {
		params = info.params
		if info.router.MaxBodyBytes > 0 {
			maxBody = info.router.MaxBodyBytes
		}
		if info.router.ResponseTimeout > 0 {
			timeout = info.router.ResponseTimeout
		}
	}
	req := requestMap(r, params)
	var payload any
	if n.method == "get" && !n.skipParse {
		payload = req.Value("query")
		req.Set("body", engine.NewObject(0))
	} else {
		body, files, status, text := n.readBody(r, maxBody)
		if status != 0 {
			sendError(w, status, text)
			return
		}
		req.Set("body", body)
		if files != nil {
			req.Set("files", files)
		}
		payload = body
		if n.method == "get" {
			payload = req.Value("query")
		}
	}
	resp := &Response{req: r, query: req.Value("query"), replies: make(chan *reply, 1)}
	n.res.Send(0, engine.Msg{"_msgid": engine.NewMsgID(), "req": req, "res": resp, "payload": payload})

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case rep := <-resp.replies:
		writeReply(w, r, rep)
		return
	case <-timer.C:
	case <-n.closed:
	case <-r.Context().Done():
	}
	if resp.claim() {
		sendError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	// an http response node claimed the exchange just now: its reply follows
	writeReply(w, r, <-resp.replies)
}

// readBody parses the request body as Node-RED's middleware chain does:
// JSON and urlencoded bodies to objects, multipart uploads through multer,
// text and UTF-8 application types to strings, anything else to a buffer.
// A non-zero status is an Express error answer.
func (n *httpIn) readBody(r *http.Request, limit int64) (body any, files []any, status int, text string) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, http.StatusRequestEntityTooLarge, "Payload Too Large"
		}
		return nil, nil, http.StatusBadRequest, "Bad Request"
	}
	if n.skipParse {
		return raw, nil, 0, ""
	}
	hasBody := r.Header.Get("Content-Length") != "" || len(r.TransferEncoding) > 0
	ctype := r.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(ctype)
	if hasBody {
		switch {
		case mediaType == "application/json":
			trimmed := bytes.TrimLeft(raw, " \t\n\r")
			if len(trimmed) == 0 {
				return engine.NewObject(0), nil, 0, ""
			}
			if trimmed[0] != '{' && trimmed[0] != '[' {
				return nil, nil, http.StatusBadRequest, "Bad Request"
			}
			v, err := engine.DecodeJSON(raw)
			if err != nil {
				return nil, nil, http.StatusBadRequest, "Bad Request"
			}
			return v, nil, 0, ""
		case mediaType == "application/x-www-form-urlencoded":
			v, err := httpform.ParseBody(string(raw))
			switch {
			case errors.Is(err, httpform.ErrTooManyParameters):
				return nil, nil, http.StatusRequestEntityTooLarge, "Payload Too Large"
			case err != nil:
				return nil, nil, http.StatusBadRequest, "Bad Request"
			}
			return v, nil, 0, ""
		case n.upload && strings.HasPrefix(mediaType, "multipart/"):
			fields, files, err := parseMultipart(raw, params["boundary"])
			if err != nil {
				return nil, nil, http.StatusBadRequest, "Bad Request"
			}
			return fields, files, 0, ""
		}
	}
	return rawBody(mediaType, raw), nil, 0, ""
}

// rawBody is Node-RED's rawBodyParser: text, XML and unknown application
// types that are valid UTF-8 become strings, the rest buffers.
func rawBody(mediaType string, raw []byte) any {
	isText, checkUTF := true, false
	if mediaType != "" {
		typ, sub, _ := strings.Cut(mediaType, "/")
		suffix := ""
		if i := strings.LastIndexByte(sub, '+'); i >= 0 {
			suffix = sub[i+1:]
		}
		switch {
		case typ == "text":
		case sub == "xml" || suffix == "xml":
		case typ != "application":
			isText = false
		case sub != "octet-stream" && sub != "cbor" && sub != "x-protobuf":
			isText, checkUTF = false, true
		default:
			isText = false
		}
	}
	if isText || (checkUTF && utf8.Valid(raw)) {
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	return raw
}

// parseMultipart reads a multipart body as multer's memory storage: files
// to {fieldname, originalname, encoding, mimetype, buffer, size}, other
// fields to an object in the order sent (repeated names to arrays).
func parseMultipart(raw []byte, boundary string) (*engine.Object, []any, error) {
	if boundary == "" {
		return nil, nil, errors.New("multipart: boundary not found")
	}
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	fields := engine.NewObject(4)
	files := []any{}
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, err
		}
		name := part.FormName()
		if part.FileName() == "" {
			s := string(data)
			switch old := fields.Value(name).(type) {
			case nil:
				fields.Set(name, s)
			case []any:
				fields.Set(name, append(old, s))
			default:
				fields.Set(name, []any{old, s})
			}
			continue
		}
		enc := part.Header.Get("Content-Transfer-Encoding")
		if enc == "" {
			enc = "7bit"
		}
		ctype := part.Header.Get("Content-Type")
		if ctype == "" {
			ctype = "text/plain"
		}
		files = append(files, engine.ObjectOf(
			"fieldname", name, "originalname", part.FileName(), "encoding", enc,
			"mimetype", ctype, "buffer", data, "size", float64(len(data)),
		))
	}
	return fields, files, nil
}

// requestMap builds msg.req with the properties Express gives a request.
func requestMap(r *http.Request, params *engine.Object) *engine.Object {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	rawQuery := ""
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		rawQuery = uri[i+1:]
	}
	query, err := httpform.Parse(rawQuery, httpform.Query)
	if err != nil {
		query = engine.NewObject(0)
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	return engine.ObjectOf(
		"headers", headerMap(r),
		"params", params,
		"query", query,
		"cookies", parseCookies(r.Header.Values("Cookie")),
		"signedCookies", engine.NewObject(0),
		"method", r.Method,
		"url", uri,
		"originalUrl", uri,
		"baseUrl", "",
		"path", requestPath(r),
		"hostname", hostname(r.Host),
		"ip", remoteIP(r.RemoteAddr),
		"protocol", proto,
		"secure", proto == "https",
		"httpVersion", strings.TrimPrefix(r.Proto, "HTTP/"),
		"body", nil, // set by serve; here so that setting it does not grow the object
	)
}

// headerMap gives request headers as Node does: lower-case names,
// repeated values joined with ", " (cookies with "; ", set-cookie as a list).
// Go does not keep the order headers arrived in: host comes first, then the
// names sorted.
func headerMap(r *http.Request) *engine.Object {
	h := engine.NewObject(len(r.Header) + 2)
	if r.Host != "" {
		h.Set("host", r.Host)
	}
	var buf [16]string
	names := buf[:0]
	for k := range r.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		vs := r.Header[k]
		name := strings.ToLower(k)
		switch name {
		case "set-cookie":
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = v
			}
			h.Set(name, list)
		case "cookie":
			h.Set(name, strings.Join(vs, "; "))
		default:
			h.Set(name, strings.Join(vs, ", "))
		}
	}
	if len(r.TransferEncoding) > 0 {
		h.Set("transfer-encoding", strings.Join(r.TransferEncoding, ", "))
	}
	return h
}

// parseCookies is cookie-parser without a secret: first value of a name
// wins, quotes are stripped, values URI-decoded, "j:" values parsed as JSON.
func parseCookies(headers []string) *engine.Object {
	out := engine.NewObject(0)
	for _, line := range headers {
		for _, pair := range strings.Split(line, ";") {
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "" {
				continue
			}
			if out.Has(k) {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if dec, ok := httpform.DecodeURIComponent(v); ok {
				v = dec
			}
			out.Set(k, v)
			if js, ok := strings.CutPrefix(v, "j:"); ok {
				if parsed, err := engine.DecodeJSON([]byte(js)); err == nil {
					out.Set(k, parsed)
				}
			}
		}
	}
	return out
}

func hostname(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			return host[:i+1]
		}
		return host
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		return host[:i]
	}
	return host
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// Response is msg.res of an http in message: the pending HTTP exchange
// that an http response node answers. It is an opaque Go value, shared (not
// copied) when a message is cloned, so any copy of the message can answer.
type Response struct {
	req     *http.Request
	query   any         // req.query, for a JSONP callback
	claimed atomic.Bool // set once by whoever answers the exchange
	replies chan *reply // capacity 1: the one reply, to the serving goroutine
}

// MarshalJSON shows the response handle as an empty object (debug output).
func (r *Response) MarshalJSON() ([]byte, error) { return []byte("{}"), nil }

// claim reserves the exchange for one answer; false when already answered.
func (r *Response) claim() bool { return r.claimed.CompareAndSwap(false, true) }

// send hands a reply to the waiting request; false when it was already
// answered (or timed out).
func (r *Response) send(rep *reply) bool {
	if !r.claim() {
		return false
	}
	r.replies <- rep
	return true
}

// reply is a complete answer, written by the serving goroutine.
type reply struct {
	status int
	header http.Header
	body   []byte
	empty  bool // no body at all (an undefined payload)
}
