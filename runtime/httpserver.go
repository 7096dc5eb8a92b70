package runtime

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTP server defaults: Node.js's (requestTimeout 300 s, headersTimeout
// 60 s, keepAliveTimeout 5 s), a write timeout as long as the request
// timeout, and a connection cap.
const (
	defaultRequestTimeout   = 300 * time.Second
	defaultHeadersTimeout   = 60 * time.Second
	defaultKeepAliveTimeout = 5 * time.Second
	defaultWriteTimeout     = 300 * time.Second
	defaultMaxConnections   = 1024
)

// HTTPServer is the settings file's httpServer: how long the editor's
// listener waits for slow clients, and how many it serves at once.
// Durations are milliseconds, as Node.js's server options; 0 turns a
// timeout off; a key left out takes the default. Websocket connections
// (/comms) are not cut by these timeouts once upgraded.
type HTTPServer struct {
	// RequestTimeout bounds receiving a whole request, headers and body
	// (Node.js requestTimeout; default 300000).
	RequestTimeout *int `yaml:"requestTimeout"`
	// HeadersTimeout bounds receiving the headers (default 60000).
	HeadersTimeout *int `yaml:"headersTimeout"`
	// WriteTimeout bounds handling a request and writing its answer,
	// from the end of its headers (default 300000).
	WriteTimeout *int `yaml:"writeTimeout"`
	// KeepAliveTimeout closes a kept-alive connection idle this long
	// (default 5000).
	KeepAliveTimeout *int `yaml:"keepAliveTimeout"`
	// MaxConnections caps the open connections (websockets included);
	// past it new connections get 503 and are closed (default 1024;
	// 0: no cap).
	MaxConnections *int `yaml:"maxConnections"`
}

// merge fills what h leaves unset from f.
func (h *HTTPServer) merge(f HTTPServer) {
	for _, p := range []struct{ dst, src **int }{
		{&h.RequestTimeout, &f.RequestTimeout}, {&h.HeadersTimeout, &f.HeadersTimeout},
		{&h.WriteTimeout, &f.WriteTimeout}, {&h.KeepAliveTimeout, &f.KeepAliveTimeout},
		{&h.MaxConnections, &f.MaxConnections},
	} {
		if *p.dst == nil {
			*p.dst = *p.src
		}
	}
}

// check reports a negative value, naming it.
func (h HTTPServer) check() error {
	for name, v := range map[string]*int{
		"requestTimeout": h.RequestTimeout, "headersTimeout": h.HeadersTimeout, "writeTimeout": h.WriteTimeout,
		"keepAliveTimeout": h.KeepAliveTimeout, "maxConnections": h.MaxConnections,
	} {
		if v != nil && *v < 0 {
			return fmt.Errorf("httpServer.%s: must not be negative, got %d", name, *v)
		}
	}
	return nil
}

func millis(v *int, def time.Duration) time.Duration {
	if v == nil {
		return def
	}
	return time.Duration(*v) * time.Millisecond
}

// server returns the editor's http.Server with h's timeouts.
func (h HTTPServer) server(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadTimeout:       millis(h.RequestTimeout, defaultRequestTimeout),
		ReadHeaderTimeout: zeroIsOff(millis(h.HeadersTimeout, defaultHeadersTimeout)),
		WriteTimeout:      millis(h.WriteTimeout, defaultWriteTimeout),
		IdleTimeout:       zeroIsOff(millis(h.KeepAliveTimeout, defaultKeepAliveTimeout)),
	}
}

// zeroIsOff maps 0 to -1: http.Server falls back to ReadTimeout for a
// zero ReadHeaderTimeout or IdleTimeout, and has none for a negative one.
func zeroIsOff(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// maxConnections returns the cap (0: none).
func (h HTTPServer) maxConnections() int {
	if h.MaxConnections == nil {
		return defaultMaxConnections
	}
	return *h.MaxConnections
}

// limitListener caps the connections open at once. A connection past the
// cap is accepted, answered 503 (plain HTTP only: under TLS it is just
// closed) and closed at once, so that a client sees the refusal rather
// than waiting in the kernel's backlog.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	tls     bool
	log     *slog.Logger
	refused atomic.Int64
	logged  atomic.Int64 // Unix seconds of the last refusal logged
}

func newLimitListener(ln net.Listener, n int, tls bool, log *slog.Logger) net.Listener {
	if n <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), tls: tls, log: log}
}

// overCapAnswer is what a connection past the cap reads.
const overCapAnswer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\nContent-Length: 24\r\n\r\ntoo many open connections"

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.refuse(c)
		}
	}
}

func (l *limitListener) refuse(c net.Conn) {
	if !l.tls {
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = c.Write([]byte(overCapAnswer))
	}
	_ = c.Close()
	n := l.refused.Add(1)
	now := time.Now().Unix()
	if last := l.logged.Load(); now-last >= 10 && l.logged.CompareAndSwap(last, now) {
		l.log.Warn("connection refused: too many open connections", "max_connections", cap(l.slots), "refused_total", n)
	}
}

// limitConn gives its slot back once, at the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close implements net.Conn.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
