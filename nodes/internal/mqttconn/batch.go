package mqttconn

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Batching bounds: BatchConn holds at most batchMax bytes not yet written
// (a Write waits beyond), and Close waits at most batchCloseWait for them.
const (
	batchMax       = 1 << 20
	batchCloseWait = time.Second
)

// BatchConn batches the writes of an MQTT client: Write queues the bytes
// and returns, and one goroutine writes everything queued with one write,
// so the packets sent while a write is under way leave together. A write error is returned by the next
// Write; Close writes what is queued (bounded) before closing.
type BatchConn struct {
	net.Conn

	mu     sync.Mutex // guards buf, err and closed
	cond   *sync.Cond // signals queued bytes, room, an error or Close
	buf    []byte     // queued bytes
	err    error      // the first write error
	closed bool
	done   chan struct{} // closed when the writer ends
}

// NewBatchConn batches the writes to c.
func NewBatchConn(c net.Conn) *BatchConn {
	b := &BatchConn{Conn: c, done: make(chan struct{})}
	b.cond = sync.NewCond(&b.mu)
	go b.writer()
	return b
}

// Write queues p; it waits while batchMax bytes are queued.
func (b *BatchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.buf) >= batchMax && b.err == nil && !b.closed {
		b.cond.Wait()
	}
	switch {
	case b.err != nil:
		return 0, b.err
	case b.closed:
		return 0, net.ErrClosed
	}
	b.buf = append(b.buf, p...)
	b.cond.Broadcast()
	return len(p), nil
}

// writer writes the queued bytes until Close, then what is left.
func (b *BatchConn) writer() {
	defer close(b.done)
	var spare []byte
	for {
		b.mu.Lock()
		for len(b.buf) == 0 && !b.closed {
			b.cond.Wait()
		}
		if len(b.buf) == 0 || b.err != nil {
			b.mu.Unlock()
			return
		}
		out := b.buf
		b.buf = spare[:0]
		b.mu.Unlock()
		_, err := b.Conn.Write(out)
		b.mu.Lock()
		if err != nil && b.err == nil {
			b.err = err
		}
		b.cond.Broadcast()
		b.mu.Unlock()
		if err != nil {
			return
		}
		if cap(out) <= batchMax {
			spare = out
		}
	}
}

// Close writes what is queued (for at most batchCloseWait) and closes the
// connection; it is idempotent.
func (b *BatchConn) Close() error {
	b.mu.Lock()
	was := b.closed
	b.closed = true
	b.cond.Broadcast()
	b.mu.Unlock()
	if was {
		return nil
	}
	_ = b.Conn.SetWriteDeadline(time.Now().Add(batchCloseWait))
	<-b.done
	err := b.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
