package network

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf16"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/httpform"
	"github.com/flowgate/flowgate/nodes/internal/mustache"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func httpRequestSpec() engine.Spec {
	return engine.Spec{
		Type: "http request", Category: "network", Color: "rgb(231, 231, 174)", Icon: "white-globe.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "http request",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "method", Label: "Method", Kind: engine.KindSelect, Default: "GET", Options: []engine.Option{
				{Value: "GET", Label: "GET"}, {Value: "POST", Label: "POST"}, {Value: "PUT", Label: "PUT"},
				{Value: "DELETE", Label: "DELETE"}, {Value: "HEAD", Label: "HEAD"}, {Value: "PATCH", Label: "PATCH"},
				{Value: "OPTIONS", Label: "OPTIONS"}, {Value: "use", Label: "- set by msg.method -"},
			}},
			{Name: "ret", Label: "Return", Kind: engine.KindSelect, Default: "txt", Options: []engine.Option{
				{Value: "txt", Label: "a UTF-8 string"}, {Value: "bin", Label: "a binary buffer"}, {Value: "obj", Label: "a parsed JSON object"},
			}},
			{Name: "paytoqs", Label: "Payload", Kind: engine.KindSelect, Default: false, Options: []engine.Option{
				{Value: "ignore", Label: "Ignore"}, {Value: "query", Label: "Append to query-string parameters"}, {Value: "body", Label: "Send as request body"},
			}},
			{Name: "url", Label: "URL", Kind: engine.KindString, Default: ""},
			{Name: "tls", Label: "TLS Configuration", Kind: engine.KindConfig, ConfigType: "tls-config", Default: ""},
			{Name: "persist", Label: "Enable connection keep-alive", Kind: engine.KindBool, Default: false},
			{Name: "proxy", Label: "Proxy Configuration", Kind: engine.KindConfig, ConfigType: "http proxy", Default: ""},
			{Name: "insecureHTTPParser", Label: "Disable strict HTTP parsing", Kind: engine.KindBool, Default: false},
			{Name: "authType", Label: "Type", Kind: engine.KindSelect, Default: "", Options: []engine.Option{
				{Value: "basic", Label: "basic authentication"}, {Value: "digest", Label: "digest authentication"}, {Value: "bearer", Label: "bearer authentication"},
			}},
			{Name: "senderr", Label: "Only send non-2xx responses to Catch node", Kind: engine.KindBool, Default: false},
			{Name: "headers", Label: "Headers", Kind: engine.KindList, Default: []any{}, Widget: "headers"},
		},
		Credentials: []engine.Prop{
			{Name: "user", Label: "Username", Kind: engine.KindString},
			{Name: "password", Label: "Password", Kind: engine.KindString},
		},
		Help: help("http request"),
	}
}

// requestNodeHeader marks response headers an http request node produced,
// with their hash, so an http response node can drop them unchanged.
const requestNodeHeader = "x-node-red-request-node"

// maxRedirects is got's limit.
const maxRedirects = 21

type headerRule struct {
	KeyType    string `json:"keyType"`
	KeyValue   string `json:"keyValue"`
	ValueType  string `json:"valueType"`
	ValueValue string `json:"valueValue"`
}

// httpRequest sends one HTTP request per message. Requests run
// concurrently, as in Node-RED: each message completes when its answer (or
// error) is sent, so answers leave in completion order.
type httpRequest struct {
	res      *engine.Resources
	log      nodeLog
	url      string
	template *mustache.Template // url contains {{
	method   string             // as configured ("use": from msg.method)
	ret      string
	paytoqs  bool
	paybody  bool
	hasTLS   bool   // a tls-config is set
	tlsID    string // the tls-config node
	authType string
	senderr  bool
	headers  []headerRule
	creds    map[string]any // nil when the node has no credentials
	timeout  time.Duration

	transport, insecure *http.Transport

	mu    sync.Mutex // guards count
	count int        // requests in flight, for the status
	wg    sync.WaitGroup
}

func newHTTPRequest(cfg *engine.Config, res *engine.Resources, s Settings) (engine.Node, error) {
	p := cfg.Reader()
	n := &httpRequest{
		res:      res,
		log:      nodeLog{res: res, cfg: cfg},
		url:      p.String("url", ""),
		method:   p.String("method", "GET"),
		ret:      p.String("ret", "txt"),
		hasTLS:   p.String("tls", "") != "",
		tlsID:    p.String("tls", ""),
		authType: p.String("authType", ""),
		senderr:  p.Bool("senderr", false),
		timeout:  s.HTTPRequestTimeout,
	}
	if n.method == "" {
		n.method = "GET"
	}
	if n.ret == "" {
		n.ret = "txt"
	}
	if n.authType == "" {
		n.authType = "basic"
	}
	switch v := p.Any("paytoqs").(type) {
	case bool:
		n.paytoqs = v
	case string:
		n.paytoqs, n.paybody = v == "query" || v == "true", v == "body"
	}
	if strings.Contains(n.url, "{{") {
		t, err := mustache.Parse(n.url)
		if err != nil {
			p.Fail("url", "invalid template: %v", err)
		}
		n.template = t
	}
	p.Decode("headers", &n.headers)
	if c, ok := p.Any("credentials").(map[string]any); ok && len(c) > 0 {
		n.creds = c
	}
	persist := p.Bool("persist", false)
	n.transport = &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DisableCompression:  true,
		DisableKeepAlives:   !persist,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
	}
	n.insecure = n.transport.Clone()
	n.insecure.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	return n, p.Err()
}

// Start applies the tls-config node to the connections (a problem with
// it is the node's error, and requests go out without it, as Node-RED's
// do when its tls node is invalid).
func (n *httpRequest) Start(ctx context.Context) error {
	if n.tlsID == "" {
		return nil
	}
	t, err := lookupTLS(n.res, n.tlsID)
	if err != nil {
		n.res.Error(fmt.Errorf("tls: %w", err), nil)
		return nil
	}
	c, err := t.Client()
	if err != nil {
		n.res.Error(fmt.Errorf("tls: %w", err), nil)
		return nil
	}
	n.transport.TLSClientConfig = c
	return nil
}

// Close waits for the requests in flight, which end with the node's
// context (the engine cancels it before Close).
func (n *httpRequest) Close(ctx context.Context) error {
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		return err
	}
	n.transport.CloseIdleConnections()
	n.insecure.CloseIdleConnections()
	n.res.Status(engine.Status{})
	return nil
}

// Handle prepares the request and runs it in a goroutine; the message
// completes when the answer is sent.
func (n *httpRequest) Handle(ctx context.Context, m engine.Msg, out *engine.Output) error {
	n.mu.Lock()
	n.count++
	n.mu.Unlock()
	n.res.Status(engine.Status{Fill: "blue", Shape: "dot", Text: "requesting"})
	call, err := n.prepare(m)
	if call == nil {
		n.finished(false)
		return err
	}
	done := out.Defer()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		done(n.run(ctx, m, call))
	}()
	return nil
}

// finished counts a request done; the status clears when none is left.
func (n *httpRequest) finished(clear bool) {
	n.mu.Lock()
	n.count--
	left := n.count
	n.mu.Unlock()
	if clear && left == 0 {
		n.res.Status(engine.Status{})
	}
}

// call is one prepared request.
type call struct {
	method   string
	url      string
	header   http.Header
	body     []byte
	hasBody  bool
	jar      *cookiejar.Jar
	timeout  time.Duration
	follow   bool
	insecure bool
	user     string
	password string
	digest   bool
}

// prepare builds the request from the node and the message as Node-RED's
// input handler does. A nil call means the message is finished (with the
// returned error, if any).
func (n *httpRequest) prepare(m engine.Msg) (*call, error) {
	msgURL, _ := m["url"].(string)
	u := n.url
	if u == "" {
		u = msgURL
	}
	if msgURL != "" && n.url != "" && n.url != msgURL {
		n.log.warn("Warning: msg properties can no longer override set node properties. See bit.ly/nr-override-msg-props")
	}
	if n.template != nil {
		u = n.template.Render(func(name string) (any, bool) { return mustache.Property(m, name) })
	}
	if u == "" {
		return nil, errors.New("No url specified")
	}
	if strings.Contains(u, "://") && !strings.HasPrefix(u, "http") {
		n.log.warn("non-http transport requested")
		n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "non-http transport requested"})
		return nil, nil
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		if n.hasTLS {
			u = "https://" + u
		} else {
			u = "http://" + u
		}
	}
	if host, query, ok := strings.Cut(u, "?"); ok && query != "" {
		u = host + "?" + badPercent.ReplaceAllStringFunc(query, func(v string) string {
			if goodPercent.MatchString(v) {
				return v
			}
			return "%25" + v[1:]
		})
	}

	c := &call{header: http.Header{}, timeout: n.timeout, follow: true}
	c.method = strings.ToUpper(n.method)
	msgMethod, _ := m["method"].(string)
	if msgMethod != "" && n.method != "use" {
		n.log.warn("Warning: msg properties can no longer override set node properties. See bit.ly/nr-override-msg-props")
	}
	if msgMethod != "" && n.method == "use" {
		c.method = strings.ToUpper(msgMethod)
	}
	if rt, ok := m["requestTimeout"]; ok {
		f := engine.ToNumber(rt)
		switch {
		case math.IsNaN(f):
			n.log.warn("Timeout value is not a valid number, ignoring")
		case f < 1:
			n.log.warn("Timeout value is negative, ignoring")
		default:
			c.timeout = time.Duration(f * float64(time.Millisecond))
		}
	}

	// headers: msg.headers first, the node's rules override (case-insensitive)
	hdr := &orderedHeaders{}
	if mh := requestHeaders(m); mh != nil {
		for k, v := range mh.All() {
			hdr.update(k, v)
		}
	}
	for _, rule := range n.headers {
		name := n.ruleValue(rule.KeyType, rule.KeyValue, m)
		if name == nil || engine.ToString(name) == "" {
			continue
		}
		hdr.update(engine.ToString(name), n.ruleValue(rule.ValueType, rule.ValueValue, m))
	}
	if v, ok := m["followRedirects"]; ok {
		c.follow = engine.Truthy(v)
	}

	jar, _ := cookiejar.New(nil)
	c.jar = jar
	target, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("RequestError: Invalid URL")
	}
	var cookies []*http.Cookie
	if raw, ok := hdr.get("cookie"); ok {
		for _, part := range strings.Split(engine.ToString(raw), ";") {
			if k, v, ok := strings.Cut(part, "="); ok && strings.TrimSpace(k) != "" {
				cookies = append(cookies, &http.Cookie{Name: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
			}
		}
		hdr.update("cookie", nil)
	}
	if mc, ok := engine.AsObject(m["cookies"]); ok {
		for name, v := range mc.All() {
			if c := requestCookie(name, v); c != nil {
				cookies = append(cookies, c)
			}
		}
	}
	if len(cookies) > 0 {
		jar.SetCookies(target, cookies)
	}

	// credentials: the node's, else the URL's user info
	user, pass := "", ""
	hasCreds := n.creds != nil
	if n.creds != nil {
		user, _ = n.creds["user"].(string)
		pass, _ = n.creds["password"].(string)
	}
	if target.User != nil {
		if user == "" {
			user = target.User.Username()
		}
		if p, ok := target.User.Password(); ok && pass == "" {
			pass = p
		}
		hasCreds = true
		target.User = nil
	}
	if hasCreds {
		switch n.authType {
		case "basic":
			if user != "" || pass != "" {
				hdr.set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
			}
		case "digest":
			c.digest, c.user, c.password = true, user, pass
		case "bearer":
			hdr.set("Authorization", "Bearer "+pass)
		}
	}

	payload, hasPayload := m["payload"]
	ctype, _ := hdr.get("content-type")
	switch {
	case c.method != "GET" && c.method != "HEAD" && hasPayload:
		obj, isObj := engine.AsObject(payload)
		if engine.ToString(ctype) == "multipart/form-data" && isObj {
			body, boundary, err := formData(obj)
			if err != nil {
				return nil, err
			}
			hdr.update("content-type", "multipart/form-data; boundary="+boundary)
			c.body = body
			break
		}
		switch t := payload.(type) {
		case string:
			c.body = []byte(t)
		case []byte:
			c.body = t
		case float64:
			c.body = []byte(engine.FormatNumber(t))
		default:
			if engine.ToString(ctype) == "application/x-www-form-urlencoded" && isObj {
				c.body = []byte(httpform.Stringify(obj))
				break
			}
			s, err := engine.JSONString(payload, "")
			if err != nil {
				return nil, err
			}
			c.body = []byte(s)
			if ctype == nil {
				hdr.set("Content-Type", "application/json")
			}
		}
		c.hasBody = true
	case c.method == "GET" && hasPayload && n.paytoqs:
		obj, ok := engine.AsObject(payload)
		if !ok && payload != nil {
			return nil, errors.New("Invalid payload")
		}
		qs := httpform.Stringify(obj)
		switch {
		case !strings.Contains(u, "?"):
			u += "?" + qs
		case strings.HasSuffix(u, "?"):
			u += qs
		default:
			u += "&" + qs
		}
	case c.method == "GET" && hasPayload && n.paybody:
		switch t := payload.(type) {
		case string:
			c.body = []byte(t)
		case []byte:
			c.body = t
		case float64:
			c.body = []byte(engine.FormatNumber(t))
		case bool:
		default:
			s, _ := engine.JSONString(payload, "")
			c.body = []byte(s)
		}
		c.hasBody = true
	}
	if v, ok := m["rejectUnauthorized"]; ok && !n.hasTLS {
		switch t := v.(type) {
		case bool:
			c.insecure = !t
		case string:
			switch strings.ToLower(t) {
			case "true":
			case "false":
				c.insecure = true
			default:
				n.log.warn("msg.rejectUnauthorized should be a boolean")
			}
		default:
			n.log.warn("msg.rejectUnauthorized should be a boolean")
		}
	}
	if u != target.String() {
		// re-parse after the query-string was extended (user info stays stripped)
		t2, err := url.Parse(u)
		if err != nil {
			return nil, fmt.Errorf("RequestError: Invalid URL")
		}
		t2.User = nil
		target = t2
	}
	c.url = target.String()
	c.header = hdr.header()
	return c, nil
}

var (
	badPercent  = regexp.MustCompile(`%.?.?`)
	goodPercent = regexp.MustCompile(`(?i)^%[a-f0-9]{2}`)
)

// ruleValue evaluates one side of a header rule: "other" is the literal
// text, "msg" a message property, any other type is itself the value.
func (n *httpRequest) ruleValue(typ, value string, m engine.Msg) any {
	switch typ {
	case "other":
		return value
	case "msg":
		p, err := engine.ParsePath(strings.TrimPrefix(value, "msg."))
		if err != nil {
			return nil
		}
		v, _ := p.Get(m)
		return v
	}
	return typ
}

// run performs the call and sends the answer; the error goes to catch nodes.
func (n *httpRequest) run(ctx context.Context, m engine.Msg, c *call) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, body, redirects, err := n.do(ctx, c)
	if err != nil && parent.Err() != nil {
		// the node is closing: the request was abandoned, not failed
		n.finished(false)
		return nil
	}
	if err != nil {
		text, code := requestError(err, c.timeout)
		reported := errors.New(text)
		status := engine.Status{Fill: "red", Shape: "ring", Text: code}
		if code == "ETIMEDOUT" {
			reported = errors.New("no response from server")
			status.Text = "no response from server"
		}
		// catch nodes see the message as it came in, the output the error text
		n.res.Error(reported, m.Clone())
		n.res.Status(status)
		n.finished(false)
		m["payload"] = text + " : " + c.url
		if code != "" {
			m["statusCode"] = code
		} else {
			delete(m, "statusCode")
		}
		if !n.senderr {
			n.res.Send(0, m)
		}
		return nil
	}
	headers := responseHeaders(resp.Header)
	m["statusCode"] = float64(resp.StatusCode)
	m["responseUrl"] = resp.Request.URL.String()
	m["redirectList"] = redirects
	m["retry"] = float64(0)
	if sc, ok := headers.Value("set-cookie").([]any); ok {
		m["responseCookies"] = extractCookies(sc)
	}
	headers.Set(requestNodeHeader, headerHash(headers))
	m["headers"] = headers
	switch n.ret {
	case "bin":
		m["payload"] = body
	default:
		text := strings.ToValidUTF8(string(body), "\uFFFD")
		m["payload"] = text
		if n.ret == "obj" {
			if resp.StatusCode == http.StatusNoContent {
				text = "{}"
			}
			if v, err := engine.DecodeJSON([]byte(text)); err == nil {
				m["payload"] = v
			} else {
				n.log.warn("JSON parse error")
			}
		}
	}
	n.finished(true)
	n.res.Send(0, m)
	return nil
}

// do sends the request, following redirects as got does, and retries once
// with digest credentials on a 401.
func (n *httpRequest) do(ctx context.Context, c *call) (*http.Response, []byte, []any, error) {
	client := &http.Client{
		Transport:     n.transport,
		Jar:           c.jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if c.insecure {
		client.Transport = n.insecure
	}
	method, target, body, hasBody := c.method, c.url, c.body, c.hasBody
	header := c.header.Clone()
	redirects := []any{}
	sentDigest := false
	for hops := 0; ; {
		var rd io.Reader
		if hasBody {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return nil, nil, nil, err
		}
		req.Header = header.Clone()
		if h := req.Header.Get("Host"); h != "" {
			req.Host = h
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, nil, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, nil, nil, err
		}
		if c.digest && !sentDigest && resp.StatusCode == http.StatusUnauthorized {
			if challenge := resp.Header.Get("WWW-Authenticate"); challenge != "" {
				auth, err := digestHeader(c.user, c.password, method, req.URL.RequestURI(), challenge)
				if err != nil {
					n.log.warn("Digest authentication failed: " + err.Error())
					return resp, data, redirects, nil
				}
				sentDigest = true
				header.Set("Authorization", auth)
				continue
			}
			sentDigest = true
			continue
		}
		loc := resp.Header.Get("Location")
		if !c.follow || loc == "" || !isRedirect(resp.StatusCode) {
			return resp, data, redirects, nil
		}
		if hops++; hops > maxRedirects {
			return nil, nil, nil, errTooManyRedirects
		}
		info := engine.ObjectOf("location", loc)
		if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 {
			list := make([]any, len(sc))
			for i, s := range sc {
				list[i] = s
			}
			info.Set("cookies", extractCookies(list))
		}
		redirects = append(redirects, info)
		next, err := req.URL.Parse(loc)
		if err != nil {
			return nil, nil, nil, err
		}
		if next.Host != req.URL.Host || next.Scheme != req.URL.Scheme {
			header.Del("Authorization")
			header.Del("Host")
		}
		if resp.StatusCode == http.StatusSeeOther && method != "GET" && method != "HEAD" {
			method, body, hasBody = "GET", nil, false
			header.Del("Content-Type")
			header.Del("Content-Length")
		}
		target = next.String()
	}
}

var errTooManyRedirects = errors.New("MaxRedirectsError: Redirected 21 times. Aborting.")

func isRedirect(code int) bool {
	switch code {
	case 300, 301, 302, 303, 304, 307, 308:
		return true
	}
	return false
}

// requestError turns a transport error into got's error text and code.
func requestError(err error, timeout time.Duration) (text, code string) {
	var ne net.Error
	switch {
	case errors.Is(err, errTooManyRedirects):
		return err.Error(), "ERR_TOO_MANY_REDIRECTS"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("TimeoutError: Timeout awaiting 'request' for %dms", timeout.Milliseconds()), "ETIMEDOUT"
	case errors.Is(err, context.Canceled):
		return "RequestError: Request aborted", "ERR_CANCELED"
	}
	var op *net.OpError
	addr := ""
	if errors.As(err, &op) && op.Addr != nil {
		addr = op.Addr.String()
	}
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return "RequestError: getaddrinfo ENOTFOUND " + dns.Name, "ENOTFOUND"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "RequestError: connect ECONNREFUSED " + addr, "ECONNREFUSED"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "RequestError: socket hang up", "ECONNRESET"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "RequestError: connect EHOSTUNREACH " + addr, "EHOSTUNREACH"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("TimeoutError: Timeout awaiting 'request' for %dms", timeout.Milliseconds()), "ETIMEDOUT"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "RequestError: " + err.Error(), ""
}

// responseHeaders gives response headers as Node does: lower-case names,
// repeated values joined with ", ", set-cookie as a list. Go does not keep
// the order the headers arrived in, so the names are sorted.
func responseHeaders(h http.Header) *engine.Object {
	out := engine.NewObject(len(h) + 1)
	for _, k := range slices.Sorted(maps.Keys(h)) {
		vs := h[k]
		name := strings.ToLower(k)
		if name == "set-cookie" {
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = v
			}
			out.Set(name, list)
			continue
		}
		out.Set(name, strings.Join(vs, ", "))
	}
	return out
}

// extractCookies parses Set-Cookie lines as Node-RED does with the cookie
// package: {name: {<Attribute>: value, ..., value}}, keys in Node-RED's order.
func extractCookies(lines []any) *engine.Object {
	out := engine.NewObject(len(lines))
	for _, l := range lines {
		line, ok := l.(string)
		if !ok {
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			continue
		}
		key := strings.TrimSpace(line[:eq])
		if key == "" {
			continue
		}
		parsed := engine.NewObject(4)
		for _, part := range strings.Split(line, ";") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "" || parsed.Has(k) {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if dec, ok := httpform.DecodeURIComponent(v); ok {
				v = dec
			}
			parsed.Set(k, v)
		}
		parsed.Set("value", parsed.Value(key))
		if key != "value" {
			parsed.Delete(key)
		}
		out.Set(key, parsed)
	}
	return out
}

// formData encodes an object as multipart/form-data as the form-data
// package does: strings as fields, buffers as files, {value, options} with
// a filename and content type, anything else as JSON; fields in the
// object's key order.
func formData(obj *engine.Object) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range obj.All() {
		var err error
		switch v := v.(type) {
		case nil:
			continue
		case string:
			err = w.WriteField(k, v)
		case []byte:
			err = writeFile(w, k, "", "application/octet-stream", v)
		case *engine.Object, map[string]any:
			vo, _ := engine.AsObject(v)
			if val, ok := vo.Get("value"); ok {
				opts, _ := engine.AsObject(vo.Value("options"))
				filename, _ := opts.Value("filename").(string)
				ctype, _ := opts.Value("contentType").(string)
				var data []byte
				switch t := val.(type) {
				case []byte:
					data = t
					if ctype == "" {
						ctype = "application/octet-stream"
					}
				default:
					data = []byte(engine.ToString(t))
				}
				if filename == "" && ctype == "" {
					err = w.WriteField(k, string(data))
				} else {
					err = writeFile(w, k, filename, ctype, data)
				}
				break
			}
			s, _ := engine.JSONString(v, "")
			err = w.WriteField(k, s)
		default:
			s, _ := engine.JSONString(v, "")
			err = w.WriteField(k, s)
		}
		if err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.Boundary(), nil
}

func writeFile(w *multipart.Writer, field, filename, ctype string, data []byte) error {
	h := textproto.MIMEHeader{}
	disp := `form-data; name="` + field + `"`
	if filename != "" {
		disp += `; filename="` + filename + `"`
	}
	h.Set("Content-Disposition", disp)
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = pw.Write(data)
	return err
}

// orderedHeaders are request headers as Node-RED's updateHeader keeps them:
// names compared case-insensitively, the latest spelling kept, an empty
// value removing the header.
type orderedHeaders struct {
	names []string
	vals  map[string]any // by the name as spelled
}

func (o *orderedHeaders) update(name string, value any) {
	kept := o.names[:0]
	for _, k := range o.names {
		if strings.EqualFold(k, name) {
			delete(o.vals, k)
			continue
		}
		kept = append(kept, k)
	}
	o.names = kept
	if !engine.Truthy(value) {
		return
	}
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	o.names = append(o.names, name)
	o.vals[name] = value
}

func (o *orderedHeaders) set(name string, value any) { o.update(name, value) }

func (o *orderedHeaders) get(name string) (any, bool) {
	for _, k := range o.names {
		if strings.EqualFold(k, name) {
			return o.vals[k], true
		}
	}
	return nil, false
}

// header builds the Go header, keeping the user's spelling of names (Go
// writes map keys as stored) except where Go reads the header itself.
func (o *orderedHeaders) header() http.Header {
	h := http.Header{}
	for _, k := range o.names {
		var vals []string
		if arr, ok := o.vals[k].([]any); ok {
			for _, e := range arr {
				vals = append(vals, engine.ToString(e))
			}
		} else {
			vals = []string{engine.ToString(o.vals[k])}
		}
		switch strings.ToLower(k) {
		case "content-length", "transfer-encoding":
			continue // Go computes them from the body
		case "host", "user-agent", "authorization", "content-type":
			h[textproto.CanonicalMIMEHeaderKey(k)] = vals
		default:
			h[k] = vals
		}
	}
	return h
}

// digestHeader answers a Digest challenge as Node-RED's buildDigestHeader.
func digestHeader(user, pass, method, path, challenge string) (string, error) {
	params := map[string]string{}
	for _, m := range digestParam.FindAllStringSubmatch(challenge, -1) {
		v := m[2]
		if v == "" {
			v = m[3]
		}
		params[m[1]] = v
	}
	if params["nonce"] == "" {
		return "", errors.New("Invalid digest challenge: missing nonce")
	}
	if params["realm"] == "" {
		return "", errors.New("Invalid digest challenge: missing realm")
	}
	algo := params["algorithm"]
	qop, nc, cnonce := "", "", ""
	if qopAuth.MatchString(params["qop"]) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		qop, nc, cnonce = "auth", "00000001", hex.EncodeToString(b[:])
	}
	ha1 := digestHash(algo, user+":"+params["realm"]+":"+pass)
	if strings.HasSuffix(strings.ToLower(algo), "-sess") {
		ha1 = digestHash(algo, ha1+":"+params["nonce"]+":"+cnonce)
	}
	ha2 := digestHash(algo, method+":"+path)
	var response string
	if qop != "" {
		response = digestHash(algo, ha1+":"+params["nonce"]+":"+nc+":"+cnonce+":"+qop+":"+ha2)
	} else {
		response = digestHash(algo, ha1+":"+params["nonce"]+":"+ha2)
	}
	fields := []struct{ k, v string }{
		{"username", user}, {"realm", params["realm"]}, {"nonce", params["nonce"]}, {"uri", path},
		{"qop", qop}, {"response", response}, {"nc", nc}, {"cnonce", cnonce},
		{"algorithm", algo}, {"opaque", params["opaque"]},
	}
	var parts []string
	for _, f := range fields {
		if f.v == "" {
			continue
		}
		if f.k == "qop" || f.k == "nc" || f.k == "algorithm" {
			parts = append(parts, f.k+"="+f.v)
		} else {
			parts = append(parts, f.k+`="`+f.v+`"`)
		}
	}
	return "Digest " + strings.Join(parts, ", "), nil
}

var (
	digestParam = regexp.MustCompile(`(?i)([a-z0-9_-]+)=(?:"([^"]+)"|([a-z0-9_-]+))`)
	qopAuth     = regexp.MustCompile(`(^|,)\s*auth\s*($|,)`)
)

func digestHash(algo, value string) string {
	switch strings.TrimSuffix(strings.ToLower(algo), "-sess") {
	case "sha-256":
		s := sha256.Sum256([]byte(value))
		return hex.EncodeToString(s[:])
	case "sha-512-256":
		s := sha512.Sum512([]byte(value))
		return hex.EncodeToString(s[:])[:64]
	}
	s := md5.Sum([]byte(value))
	return hex.EncodeToString(s[:])
}

// headerHash is the hash-sum package's sum(headers), so the mark matches
// the one Node-RED computes for the same headers.
func headerHash(v any) string {
	h := hashValue(0, v, "")
	return fmt.Sprintf("%08x", int64(h))
}

// hashFold is hash-sum's fold over the UTF-16 code units of text.
func hashFold(hash float64, text string) float64 {
	if text == "" {
		return hash
	}
	for _, c := range utf16.Encode([]rune(text)) {
		hash = float64(toInt32(float64(toInt32(hash)<<5) - hash + float64(c)))
	}
	if hash < 0 {
		return hash * -2
	}
	return hash
}

// toInt32 is JavaScript's ToInt32.
func toInt32(f float64) int32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int32(uint32(int64(math.Trunc(math.Mod(f, 4294967296)))))
}

func hashValue(input float64, v any, key string) float64 {
	tag, typ := "[object Object]", "object"
	switch v.(type) {
	case nil:
		tag = "[object Null]"
	case string:
		tag, typ = "[object String]", "string"
	case float64:
		tag, typ = "[object Number]", "number"
	case bool:
		tag, typ = "[object Boolean]", "boolean"
	case []any:
		tag = "[object Array]"
	case []byte:
		tag = "[object Uint8Array]"
	}
	hash := hashFold(hashFold(hashFold(input, key), tag), typ)
	switch t := v.(type) {
	case nil:
		return hashFold(hash, "null")
	case *engine.Object:
		// hash-sum visits Object.keys(value).sort(): string order
		for _, k := range slices.Sorted(slices.Values(t.Keys())) {
			hash = hashValue(hash, t.Value(k), k)
		}
		return hashFold(hash, "[object Object]")
	case map[string]any:
		return hashValue(input, engine.ObjectFromMap(t), key)
	case []any:
		keys := make([]string, len(t))
		for i := range t {
			keys[i] = strconv.Itoa(i)
		}
		slices.Sort(keys)
		for _, k := range keys {
			i, _ := strconv.Atoi(k)
			hash = hashValue(hash, t[i], k)
		}
		return hashFold(hash, engine.ToString(t))
	case engine.Msg:
		return hashValue(input, map[string]any(t), key)
	}
	return hashFold(hash, engine.ToString(v))
}

// requestHeaders returns msg.headers as an object. Headers this node put
// on an earlier response carry a hash mark: when they are unchanged they
// are dropped (msg.headers deleted), as Node-RED does.
func requestHeaders(m engine.Msg) *engine.Object {
	mh, ok := m.Object("headers")
	if !ok {
		return nil
	}
	if sum, has := mh.Get(requestNodeHeader); has {
		mh.Delete(requestNodeHeader)
		if sum == headerHash(mh) {
			delete(m, "headers")
			return nil
		}
	}
	return mh
}

// requestCookie is one entry of msg.cookies: a value, or {value, encode};
// nil when the cookie is not sent.
func requestCookie(name string, v any) *http.Cookie {
	switch t := v.(type) {
	case nil:
		return nil
	case *engine.Object, map[string]any:
		o, _ := engine.AsObject(t)
		val, has := o.Get("value")
		if has && val == nil {
			return nil
		}
		text := engine.ToString(val)
		if !has {
			text = "undefined"
		}
		if o.Value("encode") != false {
			text = encodeURIComponent(text)
		}
		return &http.Cookie{Name: name, Value: text}
	}
	return &http.Cookie{Name: name, Value: encodeURIComponent(engine.ToString(v))}
}
