package network

import (
	"embed"
	"strings"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

//go:embed help/*.md
var helpFS embed.FS

// Settings are the runtime settings the network nodes read; zero values
// mean Node-RED's defaults.
type Settings struct {
	// HTTPRequestTimeout is the http request node's timeout (Node-RED's
	// httpRequestTimeout); 0 means 120 s.
	HTTPRequestTimeout time.Duration
	// WebSocketReconnect is how long a websocket-client waits before it
	// dials again; 0 means Node-RED's 3 s.
	WebSocketReconnect time.Duration
	// SocketReconnect is how long tcp in and tcp out clients wait before
	// they connect again (Node-RED's socketReconnectTime); 0 means 10 s.
	SocketReconnect time.Duration
	// Embedded is the broker built into the process: an mqtt-broker node
	// naming it (its address, or "embedded") reaches it in-process. Nil
	// when there is none.
	Embedded mqttconn.Embedded
}

// Types returns the node types of the network category with default settings.
func Types() []engine.Type { return TypesWith(Settings{}) }

// TypesWith returns the node types of the network category using s.
func TypesWith(s Settings) []engine.Type {
	if s.HTTPRequestTimeout <= 0 {
		s.HTTPRequestTimeout = 120 * time.Second
	}
	if s.WebSocketReconnect <= 0 {
		s.WebSocketReconnect = wsReconnect
	}
	if s.SocketReconnect <= 0 {
		s.SocketReconnect = tcpReconnect
	}
	return []engine.Type{
		{Spec: httpInSpec(), New: newHTTPIn},
		{Spec: httpResponseSpec(), New: newHTTPResponse},
		{Spec: httpRequestSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newHTTPRequest(cfg, res, s)
		}},
		{Spec: mqttBrokerSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newMQTTBroker(cfg, res, s.Embedded)
		}},
		{Spec: mqttInSpec(), New: newMQTTIn},
		{Spec: mqttOutSpec(), New: newMQTTOut},
		{Spec: tlsConfigSpec(), New: newTLSConfig},
		{Spec: udpInSpec(), New: newUDPIn},
		{Spec: udpOutSpec(), New: newUDPOut},
		{Spec: websocketListenerSpec(), New: newWebsocketListener},
		{Spec: websocketClientSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newWebsocketClient(cfg, res, s)
		}},
		{Spec: websocketInSpec(), New: newWebsocketIn},
		{Spec: websocketOutSpec(), New: newWebsocketOut},
		{Spec: tcpInSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newTCPIn(cfg, res, s)
		}},
		{Spec: tcpOutSpec(), New: func(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
			return newTCPOut(cfg, res, s)
		}},
		{Spec: tcpRequestSpec(), New: newTCPRequest},
		{Spec: emailSpec(), New: newEmail},
	}
}

// help returns the embedded help text of a node type ("" when missing).
func help(typ string) string {
	b, err := helpFS.ReadFile("help/" + strings.ReplaceAll(typ, " ", "_") + ".md")
	if err != nil {
		return ""
	}
	return string(b)
}

// nodeLog reports warnings the way Node-RED's node.warn does: to the log
// and to the debug sidebar (level 30).
type nodeLog struct {
	res *engine.Resources
	cfg *engine.Config
}

func (l nodeLog) warn(text string) {
	if l.res.Log != nil {
		l.res.Log.Warn(text)
	}
	if l.res.Events == nil {
		return
	}
	data := engine.ObjectOf("level", 30, "id", l.cfg.ID, "type", l.cfg.Type)
	if l.cfg.Name != "" {
		data.Set("name", l.cfg.Name)
	}
	data.Set("z", l.cfg.Flow)
	data.Set("path", l.cfg.Flow)
	data.Set("msg", text)
	data.Set("format", "string")
	l.res.Events.Publish("debug", data)
}

// orderedProp returns a JSON property with its objects in the order the
// flow file has them (Props.Any gives Go maps); nil when it is absent or
// not JSON.
func orderedProp(p *engine.Props, name string) any {
	raw := p.Raw(name)
	if len(raw) == 0 {
		return nil
	}
	v, err := engine.DecodeJSON(raw)
	if err != nil {
		p.Fail(name, "invalid JSON: %v", err)
		return nil
	}
	return v
}
