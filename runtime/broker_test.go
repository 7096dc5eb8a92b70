package runtime

import (
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestBroker: the embedded broker accepts an MQTT connection and stops.
func TestBroker(t *testing.T) {
	b, err := StartBroker("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// CONNECT, MQTT 3.1.1, clean session, keepalive 60, client id "t"
	connect := []byte{0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 't'}
	if _, err := c.Write(connect); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	ack := make([]byte, 4)
	if _, err := c.Read(ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
		t.Fatalf("CONNACK %v, %v", ack, err)
	}
	if _, err := StartBroker(b.Addr(), slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a second broker on the same port started")
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}
