package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowgate/flowgate/editor"
	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
	"github.com/flowgate/flowgate/nodes"
	"github.com/flowgate/flowgate/nodes/jsonata"
	"github.com/flowgate/flowgate/nodes/network"
	"github.com/flowgate/flowgate/runtime/fleet"
	"github.com/flowgate/flowgate/web"
)

// Runtime is one running Flowgate: engine, flows store and HTTP listener.
// It is an instance: several can run side by side in one process.
type Runtime struct {
	s Settings
	// releaseTimer releases the start-up pages releaseDelay after Start.
	releaseTimer *time.Timer
	reg          *engine.Registry
	eng          *engine.Engine
	store        flows.Store
	router       *network.Router
	editor       *editor.Server
	srv          *http.Server
	ln           net.Listener
	data         *storageService // database pool and /api/data
	hw           *hwService      // board, pin claims and /api/hw
	ctxs         *contextStores  // context stores (contextStorage)
	broker       *Broker         // nil with --broker off
	inline       *embedded       // the broker as mqtt-broker nodes reach it in-process
	creds        *credStore      // node credentials, apart from the flows
	sets         *nodeSets       // Node-RED's node sets of the types, and which are disabled
	fleet        *fleet.Agent    // nil without --fleet-broker
	start        time.Time       // when New ran, for /diagnostics

	mu       sync.Mutex // guards cfg, notReady and warnings
	cfg      *flows.Config
	notReady error          // why the stored flows did not start; nil after a good deploy
	warnings flows.Problems // of the deploy of cfg

	deployMu sync.Mutex   // serialises Deploy (rev check, validate, persist, apply)
	deploys  atomic.Int64 // successful deployments, for /metrics

	serveDone chan error
}

// New builds a runtime from settings; nothing is opened until Start.
func New(s Settings) (*Runtime, error) {
	s.defaults()
	if err := s.Check(); err != nil {
		return nil, err
	}
	data := newStorage(s)
	hws, err := newHW(s)
	if err != nil {
		return nil, err
	}
	inline := new(embedded)
	reg, err := engine.NewRegistry(nodes.AllWith(s.Files.nodeOptions(nodes.Options{DataDir: s.DataDir, DBs: data.dbs, Board: hws.board, Pins: hws.pins, MQTT: inline, Gateway: gatewayID(s.GatewayID)}))...)
	if err != nil {
		return nil, err
	}
	r := &Runtime{s: s, reg: reg, store: flows.Store{Path: s.FlowsFile}, cfg: flows.New(nil), data: data, hw: hws, ctxs: newContextStores(s), inline: inline}
	r.creds = newCredStore(s, reg.Specs())
	r.sets = newNodeSets(reg.Specs(), s.Version, s.DataDir)
	r.start = time.Now()
	auth, err := s.Security.adminAuth(s.DataDir, s.Log.With("component", "editor"))
	if err != nil {
		return nil, err
	}
	r.router = &network.Router{}
	r.router.MaxBodyBytes = s.MaxBodyBytes
	r.editor = editor.New(editor.Options{
		Backend:      r,
		Log:          s.Log.With("component", "editor"),
		Web:          web.FS(),
		Fallback:     s.Security.nodeAuth(r.router),
		APIs:         apis(data, hws, s.Security),
		Auth:         auth,
		MaxBodyBytes: s.MaxBodyBytes,
		Version:      s.Version,
		Metrics:      http.HandlerFunc(r.serveMetrics),
		AdminOrigins: s.Security.AdminOrigins,
	})
	data.publishTo(r.editor.Hub().Publish, r.editor.Hub().Wants)
	r.eng = engine.New(reg, engine.Options{
		Log:          s.Log,
		Events:       r.editor.Hub(),
		HTTP:         r.router,
		CloseTimeout: s.NodeCloseTimeout,
		MaxQueue:     s.MaxNodeQueue,
		JSONata:      jsonata.New(0),
		Stores:       r.ctxs.stores,
		Disabled:     r.sets.isDisabled,
	})
	return r, nil
}

// Start loads the stored flows (writing the welcome flow on first start),
// deploys them, and starts listening.
func (r *Runtime) Start(ctx context.Context) error {
	log := r.s.Log
	if err := os.MkdirAll(r.s.DataDir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(r.s.FlowsFile), 0o755); err != nil {
		return fmt.Errorf("flows directory: %w", err)
	}
	if err := r.sets.load(); err != nil {
		return err
	}
	if err := r.applyMemoryLimit(log); err != nil {
		return err
	}
	cfg, err := r.loadFlows()
	if err != nil {
		return err
	}
	if r.s.Broker != "off" {
		if r.broker, err = StartBroker(r.s.Broker, r.s.DataDir, r.s.MQTTBroker, log.With("component", "mqtt-broker")); err != nil {
			return err
		}
		r.inline.set(r.broker)
	}
	if err := r.ctxs.open(ctx, r.data.dbs); err != nil {
		return err
	}
	r.hw.logChoice(log)
	if _, err := r.apply(ctx, cfg, engine.DeployFull, false); err != nil {
		// stored flows that no longer validate: keep them stored, run
		// nothing, and say so on /readyz until a deploy succeeds
		log.Error("stored flows not started", "err", err)
		r.mu.Lock()
		r.notReady = fmt.Errorf("stored flows not started: %w", err)
		r.mu.Unlock()
	}
	if err := r.listen(); err != nil {
		return err
	}
	if err := r.startFleet(); err != nil {
		return err
	}
	log.Info("flowgate started", "addr", r.ln.Addr().String(), "data", r.s.DataDir, "flows", r.s.FlowsFile, "version", r.s.Version)
	r.warnOpen()
	if r.s.ReleaseStartPages {
		// not at once: the first moments after start (the editor's first
		// requests, flows injecting once, a deploy from a waiting client)
		// still run start-up code, and releasing it now would make them
		// read it back from the disk
		r.releaseTimer = time.AfterFunc(releaseDelay, func() {
			n, err := releaseStartPages()
			log.Debug("start-up pages released", "bytes", n, "err", err)
		})
	}
	return nil
}

// listen opens the editor's listener (capped) and serves it.
func (r *Runtime) listen() error {
	ln, err := net.Listen("tcp", r.s.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", r.s.Listen, err)
	}
	r.ln = ln
	limited := newLimitListener(ln, r.s.HTTPServer.maxConnections(), r.s.Security.HTTPS != nil, r.s.Log.With("component", "http"))
	r.srv = r.s.HTTPServer.server(r.editor)
	r.serveDone = make(chan error, 1)
	go func() { r.serveDone <- r.s.Security.serve(r.srv, limited) }()
	return nil
}

// loadFlows reads the stored flows (writing the welcome flow on first
// start) and opens the credentials saved with them.
func (r *Runtime) loadFlows() (*flows.Config, error) {
	log := r.s.Log
	cfg, err := r.store.Load()
	if err != nil {
		return nil, fmt.Errorf("loading flows: %w", err)
	}
	if _, statErr := os.Stat(r.s.FlowsFile); errors.Is(statErr, os.ErrNotExist) && r.s.Welcome {
		if cfg, err = flows.Parse([]byte(welcomeFlow)); err != nil {
			return nil, fmt.Errorf("welcome flow: %w", err)
		}
		if err := r.store.Save(cfg); err != nil {
			return nil, fmt.Errorf("writing welcome flow: %w", err)
		}
		log.Info("welcome flow written", "file", r.s.FlowsFile)
	}
	pick, err := r.creds.open(cfg.Rev)
	if err != nil {
		return nil, err
	}
	switch pick {
	case pickBackup:
		log.Warn("credentials: the last deploy was interrupted; using the credentials saved with the stored flows (the backup)", "file", r.creds.backupPath(), "rev", cfg.Rev)
	case pickDropped:
		log.Error("CREDENTIALS DROPPED: the stored flows have no credentials saved with them (the credentials file belongs to a later deploy that never completed); the flows run without credentials: deploy them again with their credentials", "file", r.creds.path, "rev", cfg.Rev)
	case pickUnmatched:
		log.Warn("credentials: the flows file was changed outside Flowgate; using the newest credentials by node id", "file", r.creds.path, "rev", cfg.Rev)
	}
	return cfg, nil
}

// warnOpen says loudly what is open to the network without a login.
func (r *Runtime) warnOpen() {
	if host, _, _ := net.SplitHostPort(r.s.Listen); !isLoopback(host) && r.s.Security.AdminAuth == nil {
		r.s.Log.Warn("the editor and admin API are open to the network without a login; listen on 127.0.0.1 or set adminAuth in the settings file (flowgate admin init)", "addr", r.s.Listen)
	}
	if host, _, _ := net.SplitHostPort(r.s.Broker); r.broker != nil && !isLoopback(host) && r.s.MQTTBroker.anonymous() {
		r.s.Log.Warn("the MQTT broker admits anonymous clients from the network; listen on 127.0.0.1 (mqttBroker.listen) or set mqttBroker.users", "addr", r.s.Broker)
	}
}

// Ready implements editor.ReadyBackend: an error while the stored flows
// failed to start and no deploy has succeeded since.
func (r *Runtime) Ready() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notReady
}

// apis are Flowgate's own admin APIs, served by the editor behind
// adminAuth; /api/data also behind httpNodeAuth.
func apis(data *storageService, hws *hwService, sec Security) map[string]http.Handler {
	m := map[string]http.Handler{"/api/data": sec.nodeAuth(data.api)}
	if hws.api != nil {
		m["/api/hw"] = hws.api
	}
	return m
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Addr returns the address the runtime listens on (after Start).
func (r *Runtime) Addr() string {
	if r.ln == nil {
		return ""
	}
	return r.ln.Addr().String()
}

// Run starts the runtime and serves until ctx ends, then shuts down.
func (r *Runtime) Run(ctx context.Context) error {
	if err := r.Start(ctx); err != nil {
		// release what Start opened before it failed (broker, stores, pins)
		sctx, cancel := context.WithTimeout(context.Background(), r.s.NodeCloseTimeout)
		defer cancel()
		return errors.Join(err, r.Shutdown(sctx))
	}
	select {
	case <-ctx.Done():
	case err := <-r.serveDone:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), r.s.NodeCloseTimeout+5*time.Second)
	defer cancel()
	return r.Shutdown(sctx)
}

// Shutdown stops serving, closes every node and the editor hub.
func (r *Runtime) Shutdown(ctx context.Context) error {
	var err error
	if r.releaseTimer != nil {
		r.releaseTimer.Stop()
	}
	if r.fleet != nil {
		err = r.fleet.Close(ctx)
	}
	if r.srv != nil {
		hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		serr := r.srv.Shutdown(hctx)
		cancel()
		if errors.Is(serr, context.DeadlineExceeded) {
			serr = r.srv.Close()
		}
		err = errors.Join(err, serr)
	}
	r.eng.Stop(ctx)
	err = errors.Join(err, r.ctxs.close())
	err = errors.Join(err, r.data.close())
	err = errors.Join(err, r.hw.close())
	r.inline.set(nil)
	err = errors.Join(err, r.broker.Stop())
	r.editor.Close()
	r.s.Log.Info("flowgate stopped")
	return err
}

// apply validates cfg, and when valid persists it (if persist) and deploys it.
func (r *Runtime) apply(ctx context.Context, cfg *flows.Config, mode engine.DeployMode, persist bool) (string, error) {
	stripped, creds, err := r.creds.split(cfg)
	if err != nil {
		return "", flows.Problems{{Reason: err.Error(), Severity: flows.SeverityError}}
	}
	persist = persist || stripped != cfg // never leave credentials in the flows file
	cfg = stripped
	problems := flows.Validate(cfg)
	if problems.Err() != nil {
		return "", problems
	}
	g, err := r.creds.graphOf(cfg, creds)
	if err != nil {
		return "", flows.Problems{{Reason: err.Error(), Severity: flows.SeverityError}}
	}
	var commit func() error
	if persist {
		commit = func() error {
			if err := r.creds.save(creds, cfg.Rev); err != nil {
				return err
			}
			return r.store.Save(cfg)
		}
	}
	warnings, err := r.eng.Deploy(ctx, g, mode, commit)
	if err != nil {
		if fes := engine.FieldErrors(err); len(fes) > 0 && fes[0].Node != "" {
			return "", problemsOf(fes)
		}
		return "", err
	}
	r.deploys.Add(1)
	// what Validate only warned about (a wire to a missing node) is a
	// warning of the deploy too
	all := append(problems, warningsOf(warnings)...)
	for _, w := range all {
		// an unknown type is kept and not run; a property problem is reported
		// by the node when it starts or runs, as in Node-RED
		r.s.Log.Warn("deploy warning", "node", w.Node, "type", w.Type, "field", w.Field, "reason", w.Reason)
	}
	if !persist {
		r.creds.set(creds)
	}
	r.mu.Lock()
	r.cfg, r.notReady, r.warnings = cfg, nil, all
	r.mu.Unlock()
	return cfg.Rev, nil
}

func graphOf(cfg *flows.Config) (*engine.Graph, error) {
	props := make([]map[string]json.RawMessage, 0, len(cfg.Nodes))
	for i, n := range cfg.Nodes {
		p, err := n.Props()
		if err != nil {
			return nil, fmt.Errorf("flows[%d]: %w", i, err)
		}
		props = append(props, p)
	}
	return engine.NewGraph(props)
}

// DeployWarnings implements editor.WarningsBackend.
func (r *Runtime) DeployWarnings(rev string) flows.Problems {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg == nil || r.cfg.Rev != rev {
		return nil
	}
	return r.warnings
}

func warningsOf(ws []engine.Warning) flows.Problems {
	ps := make(flows.Problems, len(ws))
	for i, w := range ws {
		ps[i] = flows.Problem{Node: w.Node, Type: w.Type, Field: w.Field, Reason: w.Reason, Severity: flows.SeverityWarning}
	}
	return ps
}

func problemsOf(fes []*engine.FieldError) flows.Problems {
	ps := make(flows.Problems, len(fes))
	for i, fe := range fes {
		ps[i] = flows.Problem{Node: fe.Node, Type: fe.Type, Field: fe.Field, Reason: fe.Reason, Severity: flows.SeverityError}
	}
	return ps
}
