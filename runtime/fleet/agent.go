package fleet

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/nodes"
)

// Settings join a gateway to a fleet (flags --fleet-*, settings file
// fleet:). An empty Broker means no fleet.
type Settings struct {
	Broker   string `yaml:"broker"`   // mqtt://host:port or mqtts://host:port
	ID       string `yaml:"id"`       // the gateway's id in the fleet
	Group    string `yaml:"group"`    // its group (optional)
	Pub      string `yaml:"pub"`      // fleet.pub: only deploys it verifies apply
	Username string `yaml:"username"` // broker credentials
	Password string `yaml:"password"`
}

// Check reports a setting that cannot work, naming it.
func (s Settings) Check() error {
	if s.Broker == "" {
		return nil
	}
	if err := CheckName("--fleet-id", s.ID); err != nil {
		return err
	}
	if s.Group != "" {
		if err := CheckName("--fleet-group", s.Group); err != nil {
			return err
		}
	}
	_, err := Broker{URL: s.Broker}.options("x", false, nil)
	return err
}

// Runtime is what the agent needs of the gateway it runs in.
type Runtime interface {
	// DeployJSON deploys a flows array the way POST /flows does (persisted,
	// then applied); it returns the flows' rev and the deploy's warnings,
	// or an error (flows.Problems when nodes are at fault) with the
	// running flows untouched.
	DeployJSON(ctx context.Context, data []byte) (string, flows.Problems, error)
	// FlowsJSON returns the running flows array and its rev.
	FlowsJSON() ([]byte, string)
	// FlowsRev returns the running flows' rev.
	FlowsRev() string
	// Ready is nil while the flows run, else why not.
	Ready() error
}

// Options of an Agent besides its Settings.
type Options struct {
	DataDir       string        // where the applied rev and the previous flows are kept
	Version       string        // announced in the State
	Log           *slog.Logger  // nil: discard
	StateInterval time.Duration // how often the State is announced again (0: a minute)
	DeployTimeout time.Duration // bounds one deploy (0: a minute)
}

// queueSize bounds the deploys received and not handled yet; one beyond
// is dropped with a log line (a retained one comes back on reconnection).
const queueSize = 8

// Agent is a gateway's member of the fleet: its own MQTT connection,
// announcing its State and applying the deploys it receives, one at a
// time, on its goroutine.
type Agent struct {
	s     Settings
	o     Options
	rt    Runtime
	pub   ed25519.PublicKey // nil: deploys are not verified
	log   *slog.Logger
	start time.Time
	c     *nodes.MQTTClient
	in    chan *nodes.MQTTMessage
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once // closes stop

	own, group string // the deploy topics

	mu  sync.Mutex // guards rev, between the agent goroutine and State
	rev int64      // the fleet rev applied (persisted in applied.json)
}

// applied is the agent's persistent state.
type applied struct {
	Rev int64 `json:"rev"`
}

// Start joins the fleet: it loads the public key and the applied rev, and
// connects in the background (reconnecting until Close).
func Start(s Settings, o Options, rt Runtime) (*Agent, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.StateInterval <= 0 {
		o.StateInterval = time.Minute
	}
	if o.DeployTimeout <= 0 {
		o.DeployTimeout = time.Minute
	}
	a := &Agent{s: s, o: o, rt: rt, log: o.Log, start: time.Now(), in: make(chan *nodes.MQTTMessage, queueSize), stop: make(chan struct{}), done: make(chan struct{})}
	a.own, _ = DeployTopic("id:" + s.ID)
	if s.Group != "" {
		a.group, _ = DeployTopic("group:" + s.Group)
	}
	if s.Pub != "" {
		pk, err := LoadPublicKey(s.Pub)
		if err != nil {
			return nil, fmt.Errorf("--fleet-pub: %w", err)
		}
		a.pub = pk
	} else {
		a.log.Warn("fleet: no --fleet-pub: deploys are applied WITHOUT checking their signature; anyone who can publish to this gateway's deploy topics can run flows on it")
	}
	if err := os.MkdirAll(a.dir(), 0o700); err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	var st applied
	if b, err := os.ReadFile(a.file("applied.json")); err == nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("fleet: %s: %w", a.file("applied.json"), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	a.rev = st.Rev
	opts, err := Broker{URL: s.Broker, Username: s.Username, Password: s.Password}.options("flowgate-fleet-"+s.ID, false, a.log)
	if err != nil {
		return nil, err
	}
	will := a.state(false)
	opts.Will = &nodes.MQTTMessage{Topic: StateTopic(s.ID), Payload: will, QoS: 1, Retain: true}
	opts.OnConnect = func(packets.Properties) { a.onConnect() }
	opts.OnLost = func(err error) { a.log.Info("fleet: broker connection lost", "broker", s.Broker, "err", err) }
	opts.OnMessage = a.receive
	a.c = nodes.NewMQTTClient(opts)
	a.c.Start()
	go a.run()
	a.log.Info("fleet: joining", "broker", s.Broker, "id", s.ID, "group", s.Group, "rev", st.Rev, "signed", a.pub != nil)
	return a, nil
}

func (a *Agent) dir() string             { return filepath.Join(a.o.DataDir, "fleet") }
func (a *Agent) file(name string) string { return filepath.Join(a.dir(), name) }

// onConnect subscribes to the deploy topics (their retained desired
// state comes with it) and announces the gateway online.
func (a *Agent) onConnect() {
	filters := []string{a.own}
	if a.group != "" {
		filters = append(filters, a.group)
	}
	if err := subscribe(a.c, 10*time.Second, filters...); err != nil {
		a.log.Error("fleet: subscribing to deploys", "err", err)
	}
	a.announce(true)
	a.log.Info("fleet: connected", "broker", a.s.Broker, "id", a.s.ID)
}

// receive hands a deploy to the agent's goroutine; it runs on the
// client's reading goroutine and must not block.
func (a *Agent) receive(m *nodes.MQTTMessage) {
	select {
	case a.in <- m:
	default:
		a.log.Warn("fleet: deploy dropped: queue full", "topic", m.Topic, "queued", queueSize)
	}
}

func (a *Agent) run() {
	defer close(a.done)
	t := time.NewTicker(a.o.StateInterval)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			a.announce(true)
		case m := <-a.in:
			a.handle(m)
		}
	}
}

// Close announces the gateway offline, leaves the broker (which then
// discards the will) and waits for the agent's goroutine, within ctx. It
// is idempotent.
func (a *Agent) Close(ctx context.Context) error {
	closed := true
	a.once.Do(func() { close(a.stop); closed = false })
	if closed {
		return nil
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	err := a.c.Publish(&nodes.MQTTMessage{Topic: StateTopic(a.s.ID), Payload: a.state(false), QoS: 1, Retain: true}).Wait(pctx)
	cancel()
	a.c.Close()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("fleet: announcing offline: %w", err)
	}
	return nil
}

// State returns what the gateway announces.
func (a *Agent) State(online bool) State {
	a.mu.Lock()
	rev := a.rev
	a.mu.Unlock()
	host, _ := os.Hostname()
	flowsRev := a.rt.FlowsRev()
	health := "ok"
	if err := a.rt.Ready(); err != nil {
		health = err.Error()
	}
	return State{ID: a.s.ID, Group: a.s.Group, Version: a.o.Version, Hostname: host, Uptime: int64(time.Since(a.start) / time.Second), Rev: rev, FlowsRev: flowsRev, Health: health, Online: online, Time: time.Now().UTC()}
}

func (a *Agent) state(online bool) []byte {
	b, _ := json.Marshal(a.State(online))
	return b
}

// announce publishes the State, retained (queued while down).
func (a *Agent) announce(online bool) {
	_ = a.c.Publish(&nodes.MQTTMessage{Topic: StateTopic(a.s.ID), Payload: a.state(online), QoS: 1, Retain: true})
}

// handle applies one received envelope and answers it.
func (a *Agent) handle(m *nodes.MQTTMessage) {
	res, answer := a.apply(m)
	res.ID, res.Time = a.s.ID, time.Now().UTC()
	log := a.log.With("rev", res.Rev, "action", res.Action, "topic", m.Topic)
	switch res.Status {
	case StatusApplied:
		log.Info("fleet: deploy applied", "flows_rev", res.FlowsRev, "warnings", len(res.Problems))
		a.announce(true)
	case "":
		log.Debug("fleet: deploy ignored", "reason", res.Error)
	default:
		log.Warn("fleet: deploy "+string(res.Status), "err", res.Error, "problems", len(res.Problems))
	}
	if !answer {
		return
	}
	b, _ := json.Marshal(res)
	_ = a.c.Publish(&nodes.MQTTMessage{Topic: ResultTopic(a.s.ID), Payload: b, QoS: 1})
}

// apply checks and applies one envelope; answer is false for what needs
// no answer (the retained desired state already applied, or superseded).
func (a *Agent) apply(m *nodes.MQTTMessage) (res Result, answer bool) {
	d, err := Open(m.Payload, a.pub)
	res = Result{Rev: d.Rev, Action: d.Action}
	if err != nil {
		return refused(res, err), true
	}
	want := "id:" + a.s.ID
	if m.Topic == a.group {
		want = "group:" + a.s.Group
	}
	if kind, name, _ := ParseTarget(d.Target); kind+":"+name != want {
		return refused(res, fmt.Errorf("signed for %s, received on %s", d.Target, m.Topic)), true
	}
	a.mu.Lock()
	cur := a.rev
	a.mu.Unlock()
	switch {
	case d.Rev == cur:
		res.Error = "already applied"
		return res, false
	case d.Rev < cur && m.Retain:
		// the retained desired state of the other topic, older than what runs
		res.Error = fmt.Sprintf("superseded by rev %d", cur)
		return res, false
	case d.Rev < cur:
		return refused(res, fmt.Errorf("rev %d %w %d", d.Rev, ErrStale, cur)), true
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.o.DeployTimeout)
	defer cancel()
	if d.Action == ActionRollback {
		return a.rollback(ctx, d, cur, res), true
	}
	prev, _ := a.rt.FlowsJSON()
	flowsRev, warnings, err := a.rt.DeployJSON(ctx, d.Flows)
	if err != nil {
		return failed(res, err), true
	}
	if err := a.commit(d.Rev, prev); err != nil {
		return failed(res, err), true
	}
	res.Status, res.FlowsRev, res.Problems = StatusApplied, flowsRev, warnings
	return res, true
}

// rollback undoes rev d.From: the flows before it run again (and the
// undone ones become the previous, so a second rollback redoes it).
func (a *Agent) rollback(ctx context.Context, d Deploy, cur int64, res Result) Result {
	switch {
	case cur < d.From:
		// the undone deploy never reached this gateway: what runs is what
		// the rollback asks for
		if err := a.commit(d.Rev, nil); err != nil {
			return failed(res, err)
		}
		res.Status, res.Error = StatusApplied, fmt.Sprintf("rev %d was never applied here: nothing to undo", d.From)
		res.FlowsRev = a.rt.FlowsRev()
		return res
	case cur > d.From:
		return refused(res, fmt.Errorf("rollback of rev %d, but rev %d runs", d.From, cur))
	}
	prev, err := os.ReadFile(a.file("previous.json"))
	if err != nil {
		return failed(res, fmt.Errorf("no previous flows to roll back to: %w", err))
	}
	undone, _ := a.rt.FlowsJSON()
	flowsRev, warnings, err := a.rt.DeployJSON(ctx, prev)
	if err != nil {
		return failed(res, err)
	}
	if err := a.commit(d.Rev, undone); err != nil {
		return failed(res, err)
	}
	res.Status, res.FlowsRev, res.Problems = StatusApplied, flowsRev, warnings
	return res
}

// commit records rev as applied and prev (when not nil) as the flows to
// roll back to, each file written atomically.
func (a *Agent) commit(rev int64, prev []byte) error {
	if prev != nil {
		if err := writeAtomic(a.file("previous.json"), prev); err != nil {
			return fmt.Errorf("keeping the previous flows: %w", err)
		}
	}
	b, _ := json.Marshal(applied{Rev: rev})
	if err := writeAtomic(a.file("applied.json"), b); err != nil {
		return fmt.Errorf("recording rev %d: %w", rev, err)
	}
	a.mu.Lock()
	a.rev = rev
	a.mu.Unlock()
	return nil
}

func refused(r Result, err error) Result {
	r.Status, r.Error = StatusRefused, err.Error()
	return r
}

func failed(r Result, err error) Result {
	r.Status, r.Error = StatusFailed, err.Error()
	var ps flows.Problems
	if errors.As(err, &ps) {
		r.Problems = ps
	}
	return r
}

// writeAtomic writes file through a synced temporary file renamed over it.
func writeAtomic(file string, data []byte) error {
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
