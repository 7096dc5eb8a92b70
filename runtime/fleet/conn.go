package fleet

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/nodes"
)

// State is what a gateway announces, retained, on its state topic.
type State struct {
	ID       string    `json:"id"`
	Group    string    `json:"group,omitempty"`
	Version  string    `json:"version"`
	Hostname string    `json:"hostname"`
	Uptime   int64     `json:"uptime"` // seconds, when published
	Rev      int64     `json:"rev"`    // the fleet rev applied (0: none)
	FlowsRev string    `json:"flowsRev"`
	Health   string    `json:"health"` // "ok" or why the flows do not run
	Online   bool      `json:"online"`
	Time     time.Time `json:"time"`
}

// Status of a Result.
type Status string

// The statuses of a Result.
const (
	StatusApplied Status = "applied" // the deploy runs (with warnings, if any)
	StatusRefused Status = "refused" // signature, target or rev refused: nothing changed
	StatusFailed  Status = "failed"  // the flows did not deploy: the previous ones still run
)

// Result is a gateway's answer to a deploy it received.
type Result struct {
	ID       string         `json:"id"`
	Rev      int64          `json:"rev"`
	Action   Action         `json:"action"`
	Status   Status         `json:"status"`
	Error    string         `json:"error,omitempty"`
	Problems flows.Problems `json:"problems,omitempty"`
	FlowsRev string         `json:"flowsRev,omitempty"`
	Time     time.Time      `json:"time"`
}

// Broker names the broker and the credentials of a fleet connection.
type Broker struct {
	URL      string // mqtt://host:port or mqtts://host:port
	Username string
	Password string
	TLS      *tls.Config // for mqtts (nil: the system roots)
}

// options returns the client options for b (without handlers).
func (b Broker) options(clientID string, clean bool, log *slog.Logger) (nodes.MQTTOptions, error) {
	u, err := url.Parse(b.URL)
	if err != nil {
		return nodes.MQTTOptions{}, fmt.Errorf("fleet broker %q: %w", b.URL, err)
	}
	switch u.Scheme {
	case "mqtt", "mqtts", "tcp", "ssl":
	default:
		return nodes.MQTTOptions{}, fmt.Errorf("fleet broker %q: must be mqtt://host:port or mqtts://host:port", b.URL)
	}
	if u.Port() == "" {
		port := "1883"
		if u.Scheme == "mqtts" || u.Scheme == "ssl" {
			port = "8883"
		}
		u.Host += ":" + port
	}
	user, pass := b.Username, b.Password
	if u.User != nil && user == "" {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	tlsc := b.TLS
	if tlsc == nil {
		tlsc = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	return nodes.MQTTOptions{
		URL: u, TLS: tlsc, ClientID: clientID, User: user, Password: pass,
		Version: 4, Keepalive: 30 * time.Second, Clean: clean, OfflineQueue: 100, Log: log,
	}, nil
}

// subscribe subscribes c to filters at QoS 1, bounded by timeout.
func subscribe(c *nodes.MQTTClient, timeout time.Duration, filters ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	subs := make([]packets.Subscription, len(filters))
	for i, f := range filters {
		subs[i] = packets.Subscription{Filter: f, Qos: 1}
	}
	return c.Subscribe(ctx, subs, 0)
}
