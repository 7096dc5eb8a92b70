package mqttconn

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// countConn counts the writes reaching the socket.
type countConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// loopback returns both ends of a TCP connection on loopback.
func loopback(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// Packets written while a write is under way leave together, in order,
// and Close writes what is still queued.
func TestBatchConn(t *testing.T) {
	client, server := loopback(t)
	cc := &countConn{Conn: client}
	b := NewBatchConn(cc)
	var want bytes.Buffer
	for i := range 5000 {
		p := []byte{byte(i), byte(i >> 8), 0xAB, 0xCD}
		want.Write(p)
		if _, err := b.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(server)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read %d bytes, not the %d written in order", len(got), want.Len())
	}
	if n := cc.writes.Load(); n >= 5000 {
		t.Errorf("%d writes for 5000 packets: none batched", n)
	}
	if _, err := b.Write([]byte{1}); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// A failed write is returned by a later Write.
func TestBatchConnError(t *testing.T) {
	client, server := loopback(t)
	b := NewBatchConn(client)
	defer b.Close()
	server.Close()
	client.Close() // the writer's next write fails
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := b.Write([]byte("x")); err != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("writes on a closed connection never failed")
}
