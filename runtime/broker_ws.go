package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// wsListener is the broker's MQTT over websockets listener. Unlike mochi's
// own it binds in Init, so a port in use fails StartBroker and ":0" has a
// real address.
type wsListener struct {
	addr string
	tls  *tls.Config // nil for plain ws
	log  *slog.Logger

	mu  sync.Mutex // guards ln and srv
	ln  net.Listener
	srv *http.Server
}

func (l *wsListener) ID() string { return "ws" }

func (l *wsListener) Protocol() string {
	if l.tls != nil {
		return "wss"
	}
	return "ws"
}

// Address returns the bound address once Init has run.
func (l *wsListener) Address() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.addr
}

// Init binds the address.
func (l *wsListener) Init(log *slog.Logger) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	if l.tls != nil {
		ln = tls.NewListener(ln, l.tls)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ln, l.log = ln, log
	return nil
}

// Serve upgrades each request on any path to a websocket carrying MQTT
// (subprotocol "mqtt") and hands it to the broker; it returns when Close
// shuts the server down.
func (l *wsListener) Serve(establish listeners.EstablishFn) {
	up := &websocket.Upgrader{
		Subprotocols: []string{"mqtt"},
		CheckOrigin:  func(*http.Request) bool { return true }, // browser clients of any page, as mosquitto
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			if err := establish("ws", &wsConn{Conn: c.UnderlyingConn(), c: c}); err != nil {
				l.log.Debug("websocket client", "err", err)
			}
		}),
	}
	l.mu.Lock()
	l.srv = srv
	ln := l.ln
	l.mu.Unlock()
	if ln == nil { // closed before serving
		return
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		l.log.Error("mqtt websocket listener failed", "err", err)
	}
}

// Close stops accepting, then closes every client of the listener.
func (l *wsListener) Close(closeClients listeners.CloseFn) {
	l.mu.Lock()
	srv, ln := l.srv, l.ln
	l.srv, l.ln = nil, nil
	l.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(ctx) // hijacked websockets are not waited for
		cancel()
	} else if ln != nil {
		_ = ln.Close()
	}
	closeClients("ws")
}

// wsConn is a websocket as a net.Conn: each MQTT write is one binary
// message; reads run across message boundaries.
type wsConn struct {
	net.Conn
	c *websocket.Conn
	r io.Reader // the message being read, nil between messages
}

func (ws *wsConn) Read(p []byte) (int, error) {
	for {
		if ws.r == nil {
			op, r, err := ws.c.NextReader()
			if err != nil {
				return 0, err
			}
			if op != websocket.BinaryMessage {
				return 0, errors.New("mqtt over websocket: message not binary")
			}
			ws.r = r
		}
		n, err := ws.r.Read(p)
		if errors.Is(err, io.EOF) {
			ws.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (ws *wsConn) Write(p []byte) (int, error) {
	if err := ws.c.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
