package mochiclose

import (
	"log/slog"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// TestCloseDisconnectsClients: Close disconnects the listener's clients
// (they see the connection lost) and returns, with clients leaving while
// it runs.
func TestCloseDisconnectsClients(t *testing.T) {
	srv := mqtt.New(&mqtt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: "127.0.0.1:0"})
	if err := srv.AddListener(tcp); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	lost := make(chan struct{}, 20)
	var clients []paho.Client
	for i := range 20 {
		o := paho.NewClientOptions().AddBroker("tcp://" + tcp.Address()).SetClientID("c" + string(rune('a'+i))).
			SetAutoReconnect(false).SetConnectionLostHandler(func(paho.Client, error) { lost <- struct{}{} })
		c := paho.NewClient(o)
		if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("connect: %v", tok.Error())
		}
		clients = append(clients, c)
	}
	for _, c := range clients[:10] {
		go c.Disconnect(0) // leaving while the server closes
	}
	done := make(chan error, 1)
	go func() { done <- Close(srv, "tcp") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return in 10 s")
	}
	for range 10 {
		select {
		case <-lost:
		case <-time.After(5 * time.Second):
			t.Fatal("a client still connected after Close")
		}
	}
}
