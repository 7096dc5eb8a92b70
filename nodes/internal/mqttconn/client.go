package mqttconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"
	"golang.org/x/net/proxy"
)

// Message is an MQTT application message as a subscription receives it or
// a publish sends it. Props holds the MQTT 5 properties (ignored, and
// empty when received, on MQTT 3.1.1).
type Message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
	Props   packets.Properties
}

// Options configure a Client.
type Options struct {
	URL       *url.URL // tcp, ssl, ws or wss
	TLS       *tls.Config
	ClientID  string
	User      string
	Password  string
	Version   byte // 3 (MQTT 3.1), 4 (3.1.1) or 5
	Keepalive time.Duration
	Clean     bool
	// SessionExpiry and UserProps are the CONNECT's MQTT 5 properties.
	SessionExpiry uint32
	UserProps     []packets.UserProperty
	Will          *Message // nil: none
	// OfflineQueue bounds the QoS 1/2 messages queued while down.
	OfflineQueue int
	// OnConnect runs on the client's goroutine after every connection
	// (the CONNACK's properties as argument); the client is usable in it.
	OnConnect func(connack packets.Properties)
	// OnConnecting runs before every connection attempt, OnLost when a
	// connection ends or an attempt fails (not on Close).
	OnConnecting func()
	OnLost       func(err error)
	// OnMessage receives every message, on the reading goroutine, in
	// order; it must not block. The message is the handler's.
	OnMessage func(m *Message)
	Log       *slog.Logger
}

// Client timing: the first attempt and reconnections back off from
// retryMin to retryMax; connectTimeout bounds a dial plus CONNACK.
const (
	retryMin       = time.Second
	retryMax       = 10 * time.Second
	connectTimeout = 10 * time.Second
	// maxIncoming bounds the packets read from the broker (MQTT's own
	// bound: a larger remaining length is malformed).
	maxIncoming = 268435455
	// v3InFlight bounds the QoS 1/2 publishes awaiting their
	// acknowledgement on MQTT 3.1.1 (mosquitto's default window).
	v3InFlight = 20
)

// ErrNotConnected is returned by a QoS 0 publish and by subscribe while the
// connection is down.
var ErrNotConnected = errors.New("not connected")

// ErrClosed is the answer to everything pending when the client closes.
var ErrClosed = errors.New("mqtt client closed")

// Client is an MQTT 3.1.1 and 5 client on mochi's packet codec. It
// connects in the background and reconnects with back-off, batches its
// writes (BatchConn), resends unacknowledged QoS 1/2 messages on
// reconnection, and queues QoS 1/2 messages published while down
// (bounded). Its methods are safe for concurrent use.
type Client struct {
	o Options

	mu        sync.Mutex // guards everything below
	conn      net.Conn   // the current connection, nil while down
	connected bool       // CONNACK received on conn
	closed    bool
	nextID    uint16
	inflight  map[uint16]*pending             // sent QoS 1/2 publishes and waiters of acks
	order     []uint16                        // inflight publish ids in the order sent
	waiting   []*pending                      // QoS 1/2 publishes not sent yet
	acks      map[uint16]chan *packets.Packet // SUBACK/UNSUBACK waiters
	recvQoS2  map[uint16]bool                 // inbound QoS 2 ids awaiting PUBREL
	recvMax   int                             // the broker's receive maximum
	aliasMax  uint16                          // the broker's topic alias maximum
	aliases   map[uint16]string               // topic aliases set on this connection
	lost      chan struct{}                   // closed when conn ends

	stop chan struct{} // closed by Close
	wg   sync.WaitGroup
}

// pending is a QoS 1/2 publish until its acknowledgement.
type pending struct {
	pk   packets.Packet
	rel  bool       // PUBREC received: PUBREL sent
	done chan error // buffered 1: the outcome
}

// Token is the outcome of a publish.
type Token <-chan error

// Wait waits for the outcome until ctx ends.
func (t Token) Wait(ctx context.Context) error {
	select {
	case err := <-t:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func doneToken(err error) Token {
	c := make(chan error, 1)
	c <- err
	return c
}

// NewClient returns a client; Start connects it.
func NewClient(o Options) *Client {
	if o.Version == 0 {
		o.Version = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Client{
		o:        o,
		inflight: map[uint16]*pending{},
		acks:     map[uint16]chan *packets.Packet{},
		recvQoS2: map[uint16]bool{},
		stop:     make(chan struct{}),
	}
}

// Version is the protocol version the client speaks.
func (c *Client) Version() byte { return c.o.Version }

// Start connects in the background, and reconnects until Close.
func (c *Client) Start() {
	c.wg.Add(1)
	go c.run()
}

// run connects, waits for the connection's end, and backs off.
func (c *Client) run() {
	defer c.wg.Done()
	wait := retryMin
	for {
		if c.o.OnConnecting != nil {
			c.o.OnConnecting()
		}
		lost, err := c.connect()
		if err == nil {
			wait = retryMin
			select {
			case <-lost:
			case <-c.stop:
				return
			}
			err = c.takeDown(lost)
		}
		select {
		case <-c.stop:
			return
		default:
		}
		if c.o.OnLost != nil {
			c.o.OnLost(err)
		}
		select {
		case <-c.stop:
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, retryMax)
	}
}

// connect dials, sends CONNECT and reads the CONNACK; on success the
// reader and pinger run and OnConnect has run.
func (c *Client) connect() (chan struct{}, error) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	raw, err := dial(ctx, c.o.URL, c.o.TLS)
	if err != nil {
		return nil, err
	}
	// Close or the timeout end a broker that never answers the CONNECT
	unwatch := context.AfterFunc(ctx, func() { raw.Close() })
	conn := NewBatchConn(raw)
	r := bufio.NewReaderSize(raw, 32<<10)
	if err := c.write(conn, c.connectPacket()); err != nil {
		conn.Close()
		return nil, err
	}
	dl, _ := ctx.Deadline()
	_ = raw.SetReadDeadline(dl)
	ack, err := readPacket(r, c.o.Version)
	_ = raw.SetReadDeadline(time.Time{})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("reading connack: %w", err)
	}
	if ack.FixedHeader.Type != packets.Connack {
		conn.Close()
		return nil, fmt.Errorf("broker answered CONNECT with %s", packets.PacketNames[ack.FixedHeader.Type])
	}
	if ack.ReasonCode != 0 {
		conn.Close()
		return nil, fmt.Errorf("connection refused: %s", connackReason(c.o.Version, ack.ReasonCode))
	}
	if !unwatch() {
		conn.Close()
		return nil, fmt.Errorf("connecting: %w", context.Cause(ctx))
	}
	lost := make(chan struct{})
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		conn.Close()
		return nil, ErrClosed
	}
	c.conn, c.connected, c.lost = conn, true, lost
	c.recvMax = 65535
	switch {
	case c.o.Version < 5:
		// MQTT 3.1.1 has no receive maximum; mosquitto takes 20 QoS 2
		// messages in flight (max_inflight_messages) and silently drops
		// the ones beyond
		c.recvMax = v3InFlight
	case ack.Properties.ReceiveMaximum > 0:
		c.recvMax = int(ack.Properties.ReceiveMaximum)
	}
	c.aliasMax = ack.Properties.TopicAliasMaximum
	c.aliases = map[uint16]string{}
	c.recvQoS2 = map[uint16]bool{}
	keepalive := c.o.Keepalive
	if ack.Properties.ServerKeepAliveFlag {
		keepalive = time.Duration(ack.Properties.ServerKeepAlive) * time.Second
	}
	c.resendLocked(conn)
	c.mu.Unlock()
	c.wg.Add(2)
	pings := make(chan struct{}, 1)
	go c.read(conn, r, lost, pings)
	go c.ping(conn, keepalive, lost, pings)
	if c.o.OnConnect != nil {
		c.o.OnConnect(ack.Properties)
	}
	return lost, nil
}

// takeDown forgets the connection that ended (lost) and reports why.
func (c *Client) takeDown(lost chan struct{}) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.lost != lost {
		return ErrClosed
	}
	c.connected = false
	c.conn.Close()
	c.conn = nil
	for id, p := range c.inflight {
		if p.pk.FixedHeader.Type != packets.Publish {
			delete(c.inflight, id) // not a publish: nothing to resend
		}
	}
	return errors.New("connection lost")
}

func (c *Client) connectPacket() *packets.Packet {
	pk := &packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: c.o.Version,
		Connect: packets.ConnectParams{
			ProtocolName:     []byte("MQTT"),
			ClientIdentifier: c.o.ClientID,
			Keepalive:        uint16(c.o.Keepalive / time.Second),
			Clean:            c.o.Clean,
		},
	}
	if c.o.Version == 3 {
		pk.Connect.ProtocolName = []byte("MQIsdp")
	}
	if c.o.User != "" {
		pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte(c.o.User)
	}
	if c.o.Password != "" {
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(c.o.Password)
	}
	if w := c.o.Will; w != nil {
		pk.Connect.WillFlag = true
		pk.Connect.WillTopic, pk.Connect.WillPayload = w.Topic, w.Payload
		pk.Connect.WillQos, pk.Connect.WillRetain = w.QoS, w.Retain
		pk.Connect.WillProperties = w.Props
	}
	if c.o.Version == 5 {
		pk.Mods.AllowResponseInfo = true
		pk.Properties.RequestProblemInfo, pk.Properties.RequestProblemInfoFlag = 1, true
		pk.Properties.RequestResponseInfo = 1
		pk.Properties.User = c.o.UserProps
		if c.o.SessionExpiry > 0 {
			pk.Properties.SessionExpiryInterval, pk.Properties.SessionExpiryIntervalFlag = c.o.SessionExpiry, true
		}
	}
	return pk
}

// resendLocked sends again the publishes not acknowledged on the last
// connection (DUP set, PUBREL for those past PUBREC), then the waiting
// ones the broker's receive maximum admits. c.mu is held.
func (c *Client) resendLocked(conn net.Conn) {
	order := c.order[:0:0]
	for _, id := range c.order {
		p, ok := c.inflight[id]
		if !ok {
			continue
		}
		order = append(order, id)
		if p.rel {
			_ = c.write(conn, ackPacket(packets.Pubrel, id, c.o.Version))
			continue
		}
		p.pk.FixedHeader.Dup = true
		_ = c.write(conn, &p.pk)
	}
	c.order = order
	c.drainLocked()
}

// drainLocked sends waiting publishes while the receive maximum admits.
func (c *Client) drainLocked() {
	for len(c.waiting) > 0 && c.connected && len(c.order) < c.recvMax {
		p := c.waiting[0]
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
		c.sendLocked(p)
	}
}

// sendLocked gives p a packet id and sends it.
func (c *Client) sendLocked(p *pending) {
	id := c.newIDLocked()
	p.pk.PacketID = id
	c.inflight[id] = p
	c.order = append(c.order, id)
	if err := c.write(c.conn, &p.pk); err != nil {
		c.failLocked(err)
	}
}

func (c *Client) newIDLocked() uint16 {
	for {
		c.nextID++
		if c.nextID == 0 {
			continue
		}
		if _, used := c.inflight[c.nextID]; used {
			continue
		}
		if _, used := c.acks[c.nextID]; used {
			continue
		}
		if c.recvQoS2[c.nextID] {
			continue // mochi keeps one identifier space for both ways
		}
		return c.nextID
	}
}

// failLocked ends the current connection after a write error.
func (c *Client) failLocked(err error) {
	if c.conn != nil {
		c.o.Log.Debug("mqtt write failed", "err", err)
		_ = c.conn.Close() // the reader ends and reports the loss
	}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// write encodes pk and queues it on conn.
func (c *Client) write(conn net.Conn, pk *packets.Packet) error {
	if conn == nil {
		return ErrNotConnected
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	pk.Mods.AllowResponseInfo = true
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(buf)
	case packets.Publish:
		err = pk.PublishEncode(buf)
	case packets.Puback:
		err = pk.PubackEncode(buf)
	case packets.Pubrec:
		err = pk.PubrecEncode(buf)
	case packets.Pubrel:
		err = pk.PubrelEncode(buf)
	case packets.Pubcomp:
		err = pk.PubcompEncode(buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(buf)
	case packets.Unsubscribe:
		err = pk.UnsubscribeEncode(buf)
	case packets.Pingreq:
		err = pk.PingreqEncode(buf)
	case packets.Disconnect:
		err = pk.DisconnectEncode(buf)
	default:
		err = fmt.Errorf("cannot send packet type %d", pk.FixedHeader.Type)
	}
	if err != nil {
		return err
	}
	_, err = conn.Write(buf.Bytes())
	return err
}

func ackPacket(typ byte, id uint16, version byte) *packets.Packet {
	pk := &packets.Packet{FixedHeader: packets.FixedHeader{Type: typ}, PacketID: id, ProtocolVersion: version}
	if typ == packets.Pubrel {
		pk.FixedHeader.Qos = 1
	}
	return pk
}

// readPacket reads one packet.
func readPacket(r *bufio.Reader, version byte) (*packets.Packet, error) {
	hb, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	pk := &packets.Packet{ProtocolVersion: version}
	if err := pk.FixedHeader.Decode(hb); err != nil {
		return nil, err
	}
	n, _, err := packets.DecodeLength(r)
	if err != nil {
		return nil, err
	}
	if n > maxIncoming {
		return nil, fmt.Errorf("packet of %d bytes: too large", n)
	}
	pk.FixedHeader.Remaining = n
	// a buffer of its own: mochi's decoder keeps strings pointing into it
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	switch pk.FixedHeader.Type {
	case packets.Connack:
		err = pk.ConnackDecode(buf)
	case packets.Publish:
		err = pk.PublishDecode(buf)
	case packets.Puback:
		err = pk.PubackDecode(buf)
	case packets.Pubrec:
		err = pk.PubrecDecode(buf)
	case packets.Pubrel:
		err = pk.PubrelDecode(buf)
	case packets.Pubcomp:
		err = pk.PubcompDecode(buf)
	case packets.Suback:
		err = pk.SubackDecode(buf)
	case packets.Unsuback:
		err = pk.UnsubackDecode(buf)
	case packets.Pingresp:
	case packets.Disconnect:
		err = pk.DisconnectDecode(buf)
	case packets.Auth:
		err = pk.AuthDecode(buf)
	default:
		err = fmt.Errorf("unexpected packet type %d from the broker", pk.FixedHeader.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("malformed %s: %w", packets.PacketNames[pk.FixedHeader.Type], err)
	}
	return pk, nil
}

// read handles the packets of conn until it ends, then closes lost.
func (c *Client) read(conn net.Conn, r *bufio.Reader, lost chan struct{}, pings chan<- struct{}) {
	defer c.wg.Done()
	defer close(lost)
	for {
		pk, err := readPacket(r, c.o.Version)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				c.o.Log.Info("mqtt connection lost", "err", err)
			}
			_ = conn.Close()
			return
		}
		if err := c.handle(conn, pk, pings); err != nil {
			c.o.Log.Info("mqtt connection ended", "err", err)
			_ = conn.Close()
			return
		}
	}
}

// handle acts on one packet from the broker.
func (c *Client) handle(conn net.Conn, pk *packets.Packet, pings chan<- struct{}) error {
	id := pk.PacketID
	switch pk.FixedHeader.Type {
	case packets.Publish:
		m := &Message{Topic: pk.TopicName, Payload: pk.Payload, QoS: pk.FixedHeader.Qos, Retain: pk.FixedHeader.Retain, Props: pk.Properties}
		switch m.QoS {
		case 0:
			c.deliver(m)
		case 1:
			c.deliver(m)
			return c.write(conn, ackPacket(packets.Puback, id, c.o.Version))
		case 2:
			c.mu.Lock()
			seen := c.recvQoS2[id]
			c.recvQoS2[id] = true
			c.mu.Unlock()
			if !seen {
				c.deliver(m)
			}
			return c.write(conn, ackPacket(packets.Pubrec, id, c.o.Version))
		}
	case packets.Pubrel:
		c.mu.Lock()
		delete(c.recvQoS2, id)
		c.mu.Unlock()
		return c.write(conn, ackPacket(packets.Pubcomp, id, c.o.Version))
	case packets.Puback, packets.Pubcomp:
		c.complete(id, pk)
	case packets.Pubrec:
		if pk.ReasonCode >= 0x80 {
			c.complete(id, pk)
			return nil
		}
		c.mu.Lock()
		if p, ok := c.inflight[id]; ok {
			p.rel = true
		}
		c.mu.Unlock()
		return c.write(conn, ackPacket(packets.Pubrel, id, c.o.Version))
	case packets.Suback, packets.Unsuback:
		c.mu.Lock()
		ch, ok := c.acks[id]
		delete(c.acks, id)
		c.mu.Unlock()
		if ok {
			ch <- pk
		}
	case packets.Pingresp:
		select {
		case pings <- struct{}{}:
		default:
		}
	case packets.Disconnect:
		return fmt.Errorf("broker disconnected: %s", reasonName(pk.ReasonCode, pk.Properties.ReasonString))
	}
	return nil
}

func (c *Client) deliver(m *Message) {
	if c.o.OnMessage != nil {
		c.o.OnMessage(m)
	}
}

// complete ends the publish id with the broker's answer.
func (c *Client) complete(id uint16, ack *packets.Packet) {
	c.mu.Lock()
	p, ok := c.inflight[id]
	if ok {
		delete(c.inflight, id)
		for i, o := range c.order {
			if o == id {
				c.order = append(c.order[:i], c.order[i+1:]...)
				break
			}
		}
		c.drainLocked()
	}
	c.mu.Unlock()
	if !ok {
		return
	}
	var err error
	if ack.ReasonCode >= 0x80 {
		err = fmt.Errorf("publish %s refused: %s", p.pk.TopicName, reasonName(ack.ReasonCode, ack.Properties.ReasonString))
	}
	p.done <- err
}

// ping sends PINGREQ every keepalive and ends the connection when the
// answer to the previous one has not come.
func (c *Client) ping(conn net.Conn, keepalive time.Duration, lost <-chan struct{}, pings <-chan struct{}) {
	defer c.wg.Done()
	if keepalive <= 0 {
		return
	}
	t := time.NewTicker(keepalive)
	defer t.Stop()
	outstanding := false
	for {
		select {
		case <-lost:
			return
		case <-pings:
			outstanding = false
		case <-t.C:
			if outstanding {
				c.o.Log.Info("mqtt broker did not answer a ping: reconnecting")
				_ = conn.Close()
				return
			}
			outstanding = true
			if err := c.write(conn, &packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}}); err != nil {
				_ = conn.Close()
				return
			}
		}
	}
}

// Connected reports whether the client is connected.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected
}

// TopicAliasMax is the broker's topic alias maximum on this connection
// (0: none allowed).
func (c *Client) TopicAliasMax() uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.aliasMax
}

// Publish sends m. A QoS 0 message is written (ErrNotConnected while
// down); a QoS 1/2 one is queued while down or beyond the broker's receive
// maximum (an error past the offline bound), and its token answers with
// the broker's acknowledgement.
func (c *Client) Publish(m *Message) Token {
	pk := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Publish, Qos: m.QoS, Retain: m.Retain},
		ProtocolVersion: c.o.Version,
		TopicName:       m.Topic,
		Payload:         m.Payload,
	}
	if c.o.Version == 5 {
		pk.Properties = m.Props
		pk.Properties.TopicAliasFlag = m.Props.TopicAlias > 0
	} else {
		pk.Properties = packets.Properties{}
	}
	c.mu.Lock()
	if a := pk.Properties.TopicAlias; a > 0 && c.connected && a <= c.aliasMax {
		// a QoS 0 message goes without its topic once the broker knows
		// the alias (set by an earlier message on this connection);
		// QoS 1/2 ones carry it, as they may be sent again elsewhere
		if c.aliases[a] == m.Topic && m.QoS == 0 {
			pk.TopicName = ""
		} else {
			c.aliases[a] = m.Topic
		}
	}
	if m.QoS == 0 || c.closed {
		conn, closed := c.conn, c.closed
		c.mu.Unlock()
		switch {
		case closed:
			return doneToken(ErrClosed)
		case conn == nil:
			return doneToken(ErrNotConnected)
		}
		// written without the lock: encoding is the hot path
		err := c.write(conn, &pk)
		if err != nil {
			_ = conn.Close()
		}
		return doneToken(err)
	}
	defer c.mu.Unlock()
	p := &pending{pk: pk, done: make(chan error, 1)}
	if c.connected && len(c.waiting) == 0 && len(c.order) < c.recvMax {
		c.sendLocked(p)
		return p.done
	}
	if c.o.OfflineQueue > 0 && len(c.waiting) >= c.o.OfflineQueue {
		return doneToken(fmt.Errorf("%d messages already queued: message dropped", len(c.waiting)))
	}
	c.waiting = append(c.waiting, p)
	return p.done
}

// Subscribe subscribes to subs (MQTT 5: with the subscription identifier
// id when not 0) and waits for the SUBACK until ctx ends; a filter the
// broker refuses is an error naming it and the reason.
func (c *Client) Subscribe(ctx context.Context, subs []packets.Subscription, id int) error {
	pk := &packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, ProtocolVersion: c.o.Version, Filters: subs}
	if id > 0 && c.o.Version == 5 {
		pk.Properties.SubscriptionIdentifier = []int{id}
	}
	var ack *packets.Packet
	for try := 0; ; try++ {
		var err error
		if ack, err = c.request(ctx, pk); err != nil {
			return err
		}
		// mochi answers "packet identifier in use" when the identifier is
		// one of its own messages in flight to us (it keeps one space for
		// both ways): ask again with another
		if try < 3 && slices.Contains(ack.ReasonCodes, packets.ErrPacketIdentifierInUse.Code) {
			continue
		}
		break
	}
	var errs []error
	for i, rc := range ack.ReasonCodes {
		if rc >= 0x80 && i < len(subs) {
			errs = append(errs, fmt.Errorf("subscribe %s refused: %s", subs[i].Filter, reasonName(rc, ack.Properties.ReasonString)))
		}
	}
	return errors.Join(errs...)
}

// Unsubscribe unsubscribes from filters and waits for the UNSUBACK until
// ctx ends.
func (c *Client) Unsubscribe(ctx context.Context, filters ...string) error {
	pk := &packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Unsubscribe, Qos: 1}, ProtocolVersion: c.o.Version}
	for _, f := range filters {
		pk.Filters = append(pk.Filters, packets.Subscription{Filter: f})
	}
	_, err := c.request(ctx, pk)
	return err
}

// request sends pk with a fresh packet id and waits for its answer.
func (c *Client) request(ctx context.Context, pk *packets.Packet) (*packets.Packet, error) {
	ch := make(chan *packets.Packet, 1)
	c.mu.Lock()
	if !c.connected {
		c.mu.Unlock()
		return nil, ErrNotConnected
	}
	id := c.newIDLocked()
	pk.PacketID = id
	c.acks[id] = ch
	lost := c.lost
	err := c.write(c.conn, pk)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case ack := <-ch:
		return ack, nil
	case <-lost:
		err = ErrNotConnected
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.mu.Lock()
	delete(c.acks, id)
	c.mu.Unlock()
	return nil, err
}

// Close sends DISCONNECT (the broker then discards the will), ends the
// connection and the client's goroutines, and fails what is pending. It
// is idempotent.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.stop)
	conn := c.conn
	if conn != nil {
		_ = c.write(conn, &packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}, ProtocolVersion: c.o.Version})
		_ = conn.Close()
	}
	c.conn, c.connected = nil, false
	var fail []*pending
	for _, p := range c.inflight {
		fail = append(fail, p)
	}
	fail = append(fail, c.waiting...)
	c.inflight, c.waiting, c.order = map[uint16]*pending{}, nil, nil
	c.mu.Unlock()
	c.wg.Wait()
	for _, p := range fail {
		p.done <- ErrClosed
	}
}

// dial opens the network connection for u (tcp, ssl, ws, wss).
func dial(ctx context.Context, u *url.URL, tlsc *tls.Config) (net.Conn, error) {
	dialer := &net.Dialer{}
	switch u.Scheme {
	case "tcp", "mqtt":
		d := proxy.FromEnvironmentUsing(dialer)
		if cd, ok := d.(proxy.ContextDialer); ok {
			return cd.DialContext(ctx, "tcp", u.Host)
		}
		return d.Dial("tcp", u.Host)
	case "ssl", "tls", "mqtts":
		d := tls.Dialer{NetDialer: dialer, Config: tlsc}
		return d.DialContext(ctx, "tcp", u.Host)
	case "ws", "wss":
		w := *u
		w.User = nil
		var wt *tls.Config
		if u.Scheme == "wss" {
			wt = tlsc
		}
		dl, _ := ctx.Deadline()
		return paho.NewWebsocket(w.String(), wt, time.Until(dl), nil, nil)
	}
	return nil, fmt.Errorf("unsupported broker url scheme %q", u.Scheme)
}

// connackReason names a refused CONNACK's code.
func connackReason(version, code byte) string {
	if version < 5 {
		switch code {
		case 1:
			return "unacceptable protocol version"
		case 2:
			return "identifier rejected"
		case 3:
			return "server unavailable"
		case 4:
			return "bad user name or password"
		case 5:
			return "not authorized"
		}
	}
	return reasonName(code, "")
}

// reasonName names an MQTT 5 reason code, with the broker's reason string.
func reasonName(code byte, reason string) string {
	name, ok := reasonNames[code]
	if !ok {
		name = fmt.Sprintf("reason code 0x%02x", code)
	}
	if reason != "" {
		name += " (" + reason + ")"
	}
	return name
}

var reasonNames = map[byte]string{
	0x00: "success", 0x04: "disconnect with will message", 0x80: "unspecified error",
	0x81: "malformed packet", 0x82: "protocol error", 0x83: "implementation specific error",
	0x84: "unsupported protocol version", 0x85: "client identifier not valid",
	0x86: "bad user name or password", 0x87: "not authorized", 0x88: "server unavailable",
	0x89: "server busy", 0x8A: "banned", 0x8B: "server shutting down", 0x8C: "bad authentication method",
	0x8D: "keep alive timeout", 0x8E: "session taken over", 0x8F: "topic filter invalid",
	0x90: "topic name invalid", 0x93: "receive maximum exceeded", 0x94: "topic alias invalid",
	0x95: "packet too large", 0x97: "quota exceeded", 0x99: "payload format invalid",
	0x9A: "retain not supported", 0x9B: "qos not supported", 0x9C: "use another server",
	0x9D: "server moved", 0x9E: "shared subscriptions not supported", 0x9F: "connection rate exceeded",
	0xA1: "subscription identifiers not supported", 0xA2: "wildcard subscriptions not supported",
}
