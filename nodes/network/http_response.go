package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func httpResponseSpec() engine.Spec {
	return engine.Spec{
		Type: "http response", Category: "network", Color: "rgb(231, 231, 174)", Icon: "white-globe.svg",
		Inputs: 1, Outputs: 0, Align: "right", LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "statusCode", Label: "Status code", Kind: engine.KindString, Default: ""},
			{Name: "headers", Label: "Headers", Kind: engine.KindJSON, Default: map[string]any{}, Widget: "headers"},
		},
		Help: help("http response"),
	}
}

// httpResponse answers the request of an http in message.
type httpResponse struct {
	res        *engine.Resources
	log        nodeLog
	statusCode int            // 0: from msg.statusCode, else 200
	headers    *engine.Object // the node's headers; they win over msg.headers
}

func newHTTPResponse(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &httpResponse{res: res, log: nodeLog{res: res, cfg: cfg}, headers: engine.NewObject(0)}
	n.statusCode = parseInt(p.Any("statusCode"))
	switch h := orderedProp(p, "headers").(type) {
	case nil:
	case *engine.Object:
		n.headers = h
	case string:
		// older flows store the headers as JSON text
		if strings.TrimSpace(h) != "" {
			v, err := engine.DecodeJSON([]byte(h))
			if obj, ok := v.(*engine.Object); ok && err == nil {
				n.headers = obj
			} else {
				p.Fail("headers", "must be an object")
			}
		}
	default:
		p.Fail("headers", "must be an object")
	}
	return n, p.Err()
}

// Handle builds the answer and hands it to the waiting request.
func (n *httpResponse) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	resp, ok := m["res"].(*Response)
	if !ok {
		n.log.warn("No response object")
		return nil
	}
	rep, err := n.reply(m, resp)
	if err != nil {
		return err
	}
	if !resp.send(rep) {
		return errors.New("Cannot set headers after they are sent to the client")
	}
	return nil
}

// reply computes status, headers and body as Node-RED's http response node
// and Express's res.jsonp/res.send do.
func (n *httpResponse) reply(m engine.Msg, resp *Response) (*reply, error) {
	h := http.Header{}
	for k, v := range n.headers.All() {
		setHeader(h, k, v)
	}
	for k, v := range requestHeaders(m).All() {
		if !n.headers.Has(k) {
			setHeader(h, k, v)
		}
	}
	if cookies, ok := engine.AsObject(m["cookies"]); ok {
		now := time.Now()
		if n.res.Now != nil {
			now = n.res.Now()
		}
		if err := setCookies(h, cookies, now); err != nil {
			return nil, err
		}
	}
	status := n.statusCode
	if status == 0 {
		status = parseInt(m["statusCode"])
	}
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return nil, fmt.Errorf("Invalid status code: %d", status)
	}
	rep := &reply{status: status, header: h}
	payload, present := m["payload"]
	switch t := payload.(type) {
	case []byte:
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/octet-stream")
		}
		rep.body = t
	case string:
		rep.body = []byte(t)
		textType(h)
	case float64:
		rep.body = []byte(engine.FormatNumber(t))
		textType(h)
	case bool:
		// Node-RED computes Buffer.byteLength(payload), which throws for a
		// boolean: the request is left unanswered
		return nil, fmt.Errorf(`The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received type boolean (%t)`, t)
	default:
		if !present {
			rep.empty = true
			if h.Get("Content-Length") == "" {
				h.Set("Content-Length", "0")
			}
			return rep, nil
		}
		body, err := engine.JSONString(payload, "")
		if err != nil {
			return nil, err
		}
		if h.Get("Content-Type") == "" {
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Type", "application/json")
		}
		if cb := jsonpCallback(resp.query); cb != "" {
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Type", "text/javascript")
			body = strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`).Replace(body)
			body = "/**/ typeof " + cb + " === 'function' && " + cb + "(" + body + ");"
		}
		h.Set("Content-Type", withCharset(h.Get("Content-Type")))
		rep.body = []byte(body)
	}
	return rep, nil
}

// textType is res.send's content type for a string body.
func textType(h http.Header) {
	if ct := h.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", withCharset(ct))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// jsonpCallback returns req.query.callback cleaned as Express does.
func jsonpCallback(query any) string {
	q, _ := engine.AsObject(query)
	cb := q.Value("callback")
	if arr, ok := cb.([]any); ok && len(arr) > 0 {
		cb = arr[0]
	}
	s, _ := cb.(string)
	return strings.Map(func(r rune) rune {
		if r == '[' || r == ']' || r == '$' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, s)
}

// parseInt is JavaScript's parseInt(v) for a status code; 0 when NaN.
func parseInt(v any) int {
	switch t := v.(type) {
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0
		}
		return int(t)
	case string:
		s := strings.TrimSpace(t)
		end := 0
		for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[0] == '-' || s[0] == '+')) {
			end++
		}
		i, _ := strconv.Atoi(s[:end])
		return i
	}
	return 0
}
