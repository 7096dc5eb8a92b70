package fleet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/nodes"
)

// maxGateways bounds the states an admin command collects.
const maxGateways = 100000

// admin is the command line's connection to the fleet: a clean session
// that collects the retained states, the retained desired state of one
// deploy topic and the results of one rev.
type admin struct {
	c        *nodes.MQTTClient
	sync     string // the topic of the marker that ends the retained messages
	deploy   string // the deploy topic watched ("" for none)
	up       chan struct{}
	upOnce   sync.Once
	changed  chan struct{} // a state or a result arrived (capacity 1)
	mu       sync.Mutex    // guards everything below
	lastErr  error
	states   map[string]State
	synced   bool
	retained []byte // the deploy topic's retained envelope
	wantRev  int64
	results  map[string]Result // of wantRev
}

// dial connects an admin session, waiting until ctx ends.
func dial(ctx context.Context, b Broker, deployTopic string) (*admin, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	id := "flowgate-fleet-cli-" + hex.EncodeToString(rnd[:])
	ad := &admin{sync: topicRoot + "cli/" + id + "/sync", deploy: deployTopic, up: make(chan struct{}), changed: make(chan struct{}, 1), states: map[string]State{}, results: map[string]Result{}}
	o, err := b.options(id, true, nil)
	if err != nil {
		return nil, err
	}
	o.OnConnect = func(packets.Properties) { ad.upOnce.Do(func() { close(ad.up) }) }
	o.OnLost = func(err error) {
		ad.mu.Lock()
		ad.lastErr = err
		ad.mu.Unlock()
	}
	o.OnMessage = ad.receive
	ad.c = nodes.NewMQTTClient(o)
	ad.c.Start()
	select {
	case <-ad.up:
	case <-ctx.Done():
		ad.c.Close()
		ad.mu.Lock()
		defer ad.mu.Unlock()
		if ad.lastErr != nil {
			return nil, fmt.Errorf("fleet broker %s: %w", b.URL, ad.lastErr)
		}
		return nil, fmt.Errorf("fleet broker %s: %w", b.URL, ctx.Err())
	}
	filters := []string{topicRoot + "+/state", topicRoot + "+/result"}
	if deployTopic != "" {
		filters = append(filters, deployTopic)
	}
	if err := subscribe(ad.c, 10*time.Second, filters...); err != nil {
		ad.c.Close()
		return nil, err
	}
	// the broker sends the retained messages of a subscription before a
	// message published after it: the marker's arrival ends them
	if err := subscribe(ad.c, 10*time.Second, ad.sync); err != nil {
		ad.c.Close()
		return nil, err
	}
	if err := ad.c.Publish(&nodes.MQTTMessage{Topic: ad.sync, Payload: []byte("sync"), QoS: 1}).Wait(ctx); err != nil {
		ad.c.Close()
		return nil, fmt.Errorf("fleet broker: %w", err)
	}
	if err := ad.wait(ctx, func() bool { return ad.synced }); err != nil {
		ad.c.Close()
		return nil, fmt.Errorf("fleet broker: waiting for the retained states: %w", err)
	}
	return ad, nil
}

// receive records a message; it runs on the client's reading goroutine.
func (ad *admin) receive(m *nodes.MQTTMessage) {
	ad.mu.Lock()
	switch {
	case m.Topic == ad.sync:
		ad.synced = true
	case m.Topic == ad.deploy:
		if m.Retain && !ad.synced {
			ad.retained = slices.Clone(m.Payload)
		}
	case strings.HasSuffix(m.Topic, "/state"):
		var s State
		if json.Unmarshal(m.Payload, &s) == nil && s.ID != "" && (len(ad.states) < maxGateways || ad.states[s.ID].ID != "") {
			ad.states[s.ID] = s
		}
	case strings.HasSuffix(m.Topic, "/result"):
		var r Result
		if json.Unmarshal(m.Payload, &r) == nil && r.ID != "" && r.Rev == ad.wantRev && ad.wantRev != 0 {
			ad.results[r.ID] = r
		}
	}
	ad.mu.Unlock()
	select {
	case ad.changed <- struct{}{}:
	default:
	}
}

// wait waits until done (called with ad.mu held) or ctx ends.
func (ad *admin) wait(ctx context.Context, done func() bool) error {
	for {
		ad.mu.Lock()
		ok := done()
		ad.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ad.changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (ad *admin) close() { ad.c.Close() }

// sortedStates returns the states, by id.
func (ad *admin) sortedStates() []State {
	ad.mu.Lock()
	defer ad.mu.Unlock()
	out := make([]State, 0, len(ad.states))
	for _, s := range ad.states {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// List returns the state every gateway announced on the broker, by id.
func List(ctx context.Context, b Broker) ([]State, error) {
	ad, err := dial(ctx, b, "")
	if err != nil {
		return nil, err
	}
	defer ad.close()
	return ad.sortedStates(), nil
}

// Request is a deploy or a rollback to send.
type Request struct {
	Target string          // "id:X", "group:G" or a bare id
	Action Action          // deploy or rollback
	Flows  json.RawMessage // for deploy
}

// Outcome is one target gateway's answer to a request: Result is nil when
// none came (the gateway is offline, or did not answer in time).
type Outcome struct {
	State  State
	Result *Result
}

// Send signs the request with key, publishes it retained on its target's
// deploy topic (the desired state a gateway offline now gets when it comes
// back), and waits until every online target answered or ctx ends. A
// target no gateway announced is an error, and nothing is published.
func Send(ctx context.Context, b Broker, key ed25519.PrivateKey, req Request) (Deploy, []Outcome, error) {
	topic, err := DeployTopic(req.Target)
	if err != nil {
		return Deploy{}, nil, err
	}
	kind, name, _ := ParseTarget(req.Target)
	ad, err := dial(ctx, b, topic)
	if err != nil {
		return Deploy{}, nil, err
	}
	defer ad.close()
	d := Deploy{Action: req.Action, Target: kind + ":" + name, Time: time.Now().UTC(), Flows: req.Flows}
	var targets []State
	for _, s := range ad.sortedStates() {
		d.Rev = max(d.Rev, s.Rev)
		if (kind == "id" && s.ID == name) || (kind == "group" && s.Group == name) {
			targets = append(targets, s)
		}
	}
	if len(targets) == 0 {
		return Deploy{}, nil, fmt.Errorf("no gateway of %s has announced itself on the broker (see flowgate fleet list): nothing sent", d.Target)
	}
	var last Deploy
	if ad.retained != nil {
		// the signature is the gateways' to check; the rev is what counts here
		last, _ = Open(ad.retained, nil)
		d.Rev = max(d.Rev, last.Rev)
	}
	if req.Action == ActionRollback {
		if last.Rev == 0 {
			return Deploy{}, nil, fmt.Errorf("nothing was deployed to %s: nothing to roll back", d.Target)
		}
		d.From = last.Rev
	}
	d.Rev = max(d.Rev+1, time.Now().UnixMilli())
	env, err := Sign(d, key)
	if err != nil {
		return Deploy{}, nil, err
	}
	ad.mu.Lock()
	ad.wantRev = d.Rev
	ad.mu.Unlock()
	if err := ad.c.Publish(&nodes.MQTTMessage{Topic: topic, Payload: env, QoS: 1, Retain: true}).Wait(ctx); err != nil {
		return d, nil, fmt.Errorf("publishing the deploy on %s: %w", topic, err)
	}
	werr := ad.wait(ctx, func() bool {
		for _, s := range targets {
			if _, ok := ad.results[s.ID]; s.Online && !ok {
				return false
			}
		}
		return true
	})
	if werr != nil && !errors.Is(werr, context.DeadlineExceeded) {
		return d, nil, werr
	}
	ad.mu.Lock()
	defer ad.mu.Unlock()
	out := make([]Outcome, len(targets))
	for i, s := range targets {
		out[i].State = s
		if r, ok := ad.results[s.ID]; ok {
			out[i].Result = &r
		}
	}
	return d, out, nil
}
