package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker limits. They are constants until the settings file grows MQTT
// keys; each bounds what one misbehaving client can make the broker hold.
const (
	// brokerMaxPacket is the largest MQTT packet accepted (a 10 MB message
	// plus headers).
	brokerMaxPacket = 16 << 20
	// brokerMaxClients is how many clients may be connected at once.
	brokerMaxClients = 1024
	// brokerMaxInflight is how many QoS 1/2 messages are held per client.
	brokerMaxInflight = 1024
)

// Broker is the embedded MQTT broker (mochi-mqtt): one TCP listener,
// retained messages in memory, every client allowed (no users yet).
type Broker struct {
	srv *mqtt.Server
	tcp *listeners.TCP
}

// StartBroker listens on addr (":1883", "127.0.0.1:0") and serves MQTT
// 3.1.1 and 5 until Stop. A port already in use is an error; when addr is
// not loopback it warns that any client may connect.
func StartBroker(addr string, log *slog.Logger) (*Broker, error) {
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = brokerMaxPacket
	caps.MaximumClients = brokerMaxClients
	caps.MaximumInflight = brokerMaxInflight
	srv := mqtt.New(&mqtt.Options{
		Capabilities: caps,
		Logger:       log,
		InlineClient: true,
	})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("mqtt broker listen %s: %w", addr, err)
	}
	if err := srv.Serve(); err != nil {
		return nil, errors.Join(fmt.Errorf("mqtt broker: %w", err), srv.Close())
	}
	b := &Broker{srv: srv, tcp: tcp}
	if host, _, _ := net.SplitHostPort(addr); !isLoopback(host) {
		log.Warn("the MQTT broker accepts every client without a login; listen on 127.0.0.1 (--broker 127.0.0.1:1883) or use --broker off", "addr", b.Addr())
	}
	return b, nil
}

// Addr returns the address the broker listens on ("127.0.0.1:43121").
func (b *Broker) Addr() string { return b.tcp.Address() }

// Server returns the mochi server (for in-process publish and subscribe).
func (b *Broker) Server() *mqtt.Server { return b.srv }

// Stop disconnects every client and closes the listener; it is idempotent.
func (b *Broker) Stop() error {
	if b == nil || b.srv == nil {
		return nil
	}
	err := b.srv.Close()
	b.srv = nil
	return err
}

// BrokerAddr returns the embedded broker's address ("" with --broker off).
func (r *Runtime) BrokerAddr() string {
	if r.broker == nil {
		return ""
	}
	return r.broker.Addr()
}
