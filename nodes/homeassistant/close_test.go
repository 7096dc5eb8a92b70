package homeassistant

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
	"github.com/flowgate/flowgate/nodes/internal/shutdown/shutdowntest"
)

// Close of ha-device returns by its deadline when a goroutine it waits
// for (a timer's callback) is stuck.
func TestDeviceCloseBoundedWhenStuck(t *testing.T) {
	h := newHarness(t)
	h.Deploy(flow("127.0.0.1:1", entityNodes[1]))
	n, ok := h.E.Node("dev")
	if !ok {
		t.Fatal("no ha-device node")
	}
	d := n.(*haDevice)
	shutdowntest.CloseBounded(t, &d.wg, d.Close)
}

// stallProxy forwards loopback connections to a broker until stall; then
// it reads nothing more from either side while keeping the connections
// open: a broker that stops answering (hung, or behind a dead link that
// TCP has not noticed yet).
type stallProxy struct {
	addr    string
	stalled chan struct{}
	once    sync.Once
}

func startStallProxy(t *testing.T, broker string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{addr: ln.Addr().String(), stalled: make(chan struct{})}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 16<<10)
		for {
			select {
			case <-p.stalled:
				<-done
				return
			default:
			}
			n, err := src.Read(buf)
			select {
			case <-p.stalled:
				<-done
				return
			default:
			}
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", broker)
			if err != nil {
				in.Close()
				continue
			}
			// a small window: the client's writes back up soon after
			// the proxy stops reading
			_ = in.(*net.TCPConn).SetReadBuffer(16 << 10)
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Add(2)
			go pipe(out, in)
			go pipe(in, out)
		}
	})
	return p
}

func (p *stallProxy) stall() { p.once.Do(func() { close(p.stalled) }) }

// TestCloseBoundedWhenBrokerStopsAnswering: with a broker that stopped
// reading (the client's writes back up), the device's and the entity's
// Close still end well before the engine's close timeout (15 s): no
// "node close timed out type=ha-device" blocking a deploy.
func TestCloseBoundedWhenBrokerStopsAnswering(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a TCP connection")
	}
	addr := startBroker(t)
	p := startStallProxy(t, addr)
	ha := newHomeAssistant(t, addr)
	h := newHarness(t)
	h.Deploy(flow(p.addr, entityNodes[0]))
	waitStatus(t, h, "sw", "connected")
	ha.next("homeassistant/switch/dev/sw/config")
	bn, _ := h.E.Node("b")
	c := bn.(mqttconn.Conn)
	p.stall()
	// fill the connection until a publish no longer returns at once: the
	// client's writer is stuck and its publishes wait for it
	var since atomic.Int64 // when the publish under way began, 0 for none
	go func() {
		chunk := make([]byte, 1<<20)
		for range 64 {
			since.Store(time.Now().UnixNano())
			_ = c.Publish("flood", chunk, 0, false)
			since.Store(0)
		}
	}()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if s := since.Load(); s != 0 && time.Since(time.Unix(0, s)) > 500*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the connection never backed up")
		}
	}
	for _, id := range []string{"sw", "dev"} {
		n, _ := h.E.Node(id)
		closer := n.(interface{ Close(context.Context) error })
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // the engine's close timeout
		start := time.Now()
		_ = closer.Close(ctx)
		if ctx.Err() != nil {
			t.Errorf("%s: Close used the whole close timeout", id)
		}
		t.Logf("%s: Close returned after %v", id, time.Since(start).Round(time.Millisecond))
		cancel()
	}
}
