// Package mochitest starts an in-process mochi-mqtt broker for tests, the
// broker Flowgate embeds.
package mochitest

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/flowgate/flowgate/internal/mochiclose"
)

// Broker is a running mochi broker with one TCP listener.
type Broker struct {
	Srv  *mqtt.Server
	Addr string // host:port
	once sync.Once
}

// Stop closes the broker; later calls do nothing. The test's cleanup
// calls it too.
func (b *Broker) Stop() { b.once.Do(func() { _ = mochiclose.Close(b.Srv, "tcp") }) }

// Start starts a broker (inline client on) listening on addr
// ("127.0.0.1:0" for a free port; a restarted broker waits up to 2 s for
// its port), with hook as its auth hook (nil: everyone allowed).
func Start(t testing.TB, addr string, hook mqtt.Hook) *Broker {
	t.Helper()
	srv := mqtt.New(&mqtt.Options{Logger: slog.New(slog.DiscardHandler), InlineClient: true})
	if hook == nil {
		hook = new(auth.AllowHook)
	}
	if err := srv.AddHook(hook, nil); err != nil {
		t.Fatal(err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})
	var err error
	for range 100 {
		if err = srv.AddListener(tcp); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	b := &Broker{Srv: srv, Addr: tcp.Address()}
	t.Cleanup(b.Stop)
	return b
}
