package mosquittotest

import (
	"net"
	"testing"
	"time"
)

func TestStartAndStop(t *testing.T) {
	b := Start(t, "", "")
	c, err := net.DialTimeout("tcp", b.Addr, time.Second)
	if err != nil {
		t.Fatalf("mosquitto does not answer on %s: %v", b.Addr, err)
	}
	c.Close()
	b.Stop()
	if c, err := net.DialTimeout("tcp", b.Addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("mosquitto still answers on %s after Stop", b.Addr)
	}
	b.Stop() // a second Stop does nothing
}
