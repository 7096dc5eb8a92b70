package network

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func websocketClientSpec() engine.Spec {
	return engine.Spec{
		Type: "websocket-client", Category: "config", Config: true, LabelProp: "path",
		Props: []engine.Prop{
			{Name: "path", Label: "URL", Kind: engine.KindString, Default: "", Required: true},
			{Name: "tls", Label: "TLS Configuration", Kind: engine.KindConfig, ConfigType: "tls-config", Default: ""},
			{Name: "wholemsg", Label: "Send/Receive", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
				{Value: "false", Label: "payload"}, {Value: "true", Label: "entire message"}}},
			{Name: "hb", Label: "Send heartbeat", Kind: engine.KindNumber, Default: ""},
			{Name: "subprotocol", Label: "Subprotocol", Kind: engine.KindString, Default: ""},
			{Name: "headers", Label: "Headers", Kind: engine.KindList, Default: []any{}},
		},
		Help: help("websocket-client"),
	}
}

var wsURL = regexp.MustCompile(`(?i)^wss?://`)

// wsHeader is one entry of the websocket-client headers list.
type wsHeader struct {
	KeyType    string `json:"keyType"`
	KeyValue   string `json:"keyValue"`
	ValueType  string `json:"valueType"`
	ValueValue string `json:"valueValue"`
}

// wsClient is the websocket-client config node: one outbound connection,
// re-dialled after a delay whenever it fails or closes, shared by the
// websocket in and out nodes naming it.
type wsClient struct {
	*wsHub
	url       string
	protocols []string
	header    http.Header
	heartbeat time.Duration
	reconnect time.Duration
	tlsID     string      // the tls-config node, "" for none
	tlsConf   *tls.Config // its configuration, set by Start

	stop context.CancelFunc // set by Start
	loop sync.WaitGroup     // the connect loop
}

func newWebsocketClient(cfg *engine.Config, res *engine.Resources, s Settings) (engine.Node, error) {
	p := cfg.Reader()
	n := &wsClient{wsHub: newWSHub(res, cfg, p.String("wholemsg", "false") == "true", false), reconnect: s.WebSocketReconnect}
	n.url = p.String("path", "")
	if !wsURL.MatchString(n.url) {
		p.Fail("path", "must be a ws:// or wss:// URL, got %q", n.url)
	}
	n.tlsID = p.String("tls", "")
	if hb := engine.ToNumber(p.Any("hb")); hb >= 1 {
		n.heartbeat = time.Duration(int(hb)) * time.Second
	}
	for _, sp := range strings.Split(p.String("subprotocol", ""), ",") {
		if sp = strings.TrimSpace(sp); sp != "" {
			n.protocols = append(n.protocols, sp)
		}
	}
	var headers []wsHeader
	if p.Has("headers") {
		p.Decode("headers", &headers)
	}
	n.header = http.Header{}
	for _, h := range headers {
		name := h.KeyType
		if name == "other" {
			name = h.KeyValue
		}
		value := h.ValueType
		switch h.ValueType {
		case "other":
			value = h.ValueValue
		case "env":
			value, _ = res.Env(h.ValueValue)
		}
		if name != "" && value != "" {
			n.header.Set(name, value)
		}
	}
	return n, p.Err()
}

// Start dials in the background and keeps the connection up.
func (n *wsClient) Start(ctx context.Context) error {
	if n.tlsID != "" {
		// a tls-config problem is the node's error; it dials without it
		t, err := lookupTLS(n.res, n.tlsID)
		if err == nil {
			n.tlsConf, err = t.Client()
		}
		if err != nil {
			n.res.Error(fmt.Errorf("tls: %w", err), nil)
		}
	}
	ctx, n.stop = context.WithCancel(context.WithoutCancel(ctx))
	n.loop.Add(1)
	go n.run(ctx)
	return nil
}

func (n *wsClient) run(ctx context.Context) {
	defer n.loop.Done()
	d := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 45 * time.Second, Subprotocols: n.protocols, TLSClientConfig: n.tlsConf}
	for {
		c, _, err := d.DialContext(ctx, n.url, n.header)
		if ctx.Err() != nil {
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			// Node-RED's erro event: a status, not a node error
			n.status(engine.Status{Fill: "red", Shape: "ring", Text: "error"})
			if n.res.Log != nil {
				n.res.Log.Info("websocket-client: connect failed", "url", n.url, "err", err)
			}
		} else {
			n.session(ctx, c)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(n.reconnect):
		}
	}
}

// session serves one connection, with the heartbeat when hb is set.
func (n *wsClient) session(ctx context.Context, c *websocket.Conn) {
	if n.heartbeat <= 0 {
		n.serve(c)
		return
	}
	var mu sync.Mutex // guards pending
	pending := false
	c.SetPongHandler(func(string) error {
		mu.Lock()
		pending = false
		mu.Unlock()
		return nil
	})
	hbCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(n.heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			missed := pending
			pending = true
			mu.Unlock()
			if missed {
				// no pong since the last ping: Node-RED's "timeout"
				n.status(engine.Status{Fill: "red", Shape: "ring", Text: "error"})
				c.Close()
				return
			}
			_ = c.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout))
		}
	}()
	n.serve(c)
	cancel()
	wg.Wait()
}

// Close stops reconnecting, closes the connection and waits, within ctx,
// for the connecting loop.
func (n *wsClient) Close(ctx context.Context) error {
	if n.stop != nil {
		n.stop()
	}
	err := n.closeAll(ctx)
	return errors.Join(err, shutdown.Wait(ctx, &n.loop))
}
