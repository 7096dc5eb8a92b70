package runtime

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowgate/flowgate/nodes/storage"
	"github.com/flowgate/flowgate/runtime/fleet"
)

// Settings configure a Runtime. Command-line flags and their FLOWGATE_*
// environment twins fill them; a settings file (Node-RED's setting names, in
// YAML) fills what they leave empty.
type Settings struct {
	// Listen is the editor and http in address (":1880").
	Listen string
	// DataDir holds flows, context and storage.
	DataDir string
	// FlowsFile is the flows file; DataDir/flows.json when empty.
	FlowsFile string
	// Broker is the embedded MQTT broker address, or "off".
	Broker string
	// HW is the hardware backend: auto, periph, sim or off.
	HW string
	// GatewayID names this Flowgate in Home Assistant's unique ids and
	// MQTT topics, so that gateways sharing a broker do not collide:
	// empty derives it from the machine id; "off" leaves it out (the ids
	// of Flowgate before gateway ids).
	GatewayID string
	// File is the settings file, if any.
	File string
	// Version is printed by `version` and served by GET /settings.
	Version string
	// Log receives structured logs.
	Log *slog.Logger
	// NodeCloseTimeout bounds each node's close on deploy and shutdown.
	NodeCloseTimeout time.Duration
	// MaxNodeQueue bounds each node's input queue (0: unbounded); a full
	// queue drops new messages, counted in /metrics and logged.
	MaxNodeQueue int
	// MaxBodyBytes limits admin API and http in request bodies.
	MaxBodyBytes int64
	// Welcome writes the welcome flow when no flows file exists.
	Welcome bool
	// Security is adminAuth, credentialSecret, httpNodeAuth and https.
	Security Security
	// ContextStorage configures the context stores (memory when empty).
	ContextStorage ContextStorage
	// MQTTBroker configures the embedded broker (users, websocket, TLS,
	// store, limits).
	MQTTBroker MQTTBroker
	// Files are the exec switch, the file nodes' working directory and
	// their allow list.
	Files Files
	// HTTPServer are the editor listener's timeouts and connection cap.
	HTTPServer HTTPServer
	// MemoryLimit is Go's soft memory limit ("256mb"); empty derives it
	// from the machine's memory, "off" or 0 sets none. GOMEMLIMIT in the
	// environment overrides it.
	MemoryLimit string
	// ReleaseStartPages gives back, once the flows run, the pages of the
	// binary that only start-up touched (see releaseStartPages). The
	// flowgate command sets it; the releaseStartPages setting can turn it
	// off.
	ReleaseStartPages bool
	// Timeseries are the time-series store's retention rules per topic
	// filter: readings, per-minute and per-hour roll-ups.
	Timeseries storage.RollupConfig
	// Fleet joins the gateway to a fleet over an MQTT broker (none when
	// its Broker is empty).
	Fleet fleet.Settings
}

// FileSettings are the settings file's keys (Node-RED's names).
type FileSettings struct {
	FlowFile          string `yaml:"flowFile"`
	UserDir           string `yaml:"userDir"`
	UIPort            int    `yaml:"uiPort"`
	UIHost            string `yaml:"uiHost"`
	GatewayID         string `yaml:"gatewayId"`
	NodeCloseTimeout  int    `yaml:"nodeCloseTimeout"`  // milliseconds
	MaxNodeQueue      int    `yaml:"maxNodeQueue"`      // messages per node input queue
	APIMaxLength      string `yaml:"apiMaxLength"`      // "5mb"
	MemoryLimit       string `yaml:"memoryLimit"`       // "256mb", "off"
	ReleaseStartPages *bool  `yaml:"releaseStartPages"` // default true
	Security          `yaml:",inline"`
	ContextStorage    yaml.Node  `yaml:"contextStorage"`
	MQTTBroker        MQTTBroker `yaml:"mqttBroker"`
	HTTPServer        HTTPServer `yaml:"httpServer"`
	Files             `yaml:",inline"`
	Fleet             fleet.Settings `yaml:"fleet"`
	Timeseries        struct {
		Retention []struct {
			Topic  string `yaml:"topic"`
			Raw    string `yaml:"raw"`    // "7d"
			Minute string `yaml:"minute"` // "90d"
			Hour   string `yaml:"hour"`   // "5y"
		} `yaml:"retention"`
	} `yaml:"timeseries"`
}

// LoadFile merges the settings file into s where s has no value.
func (s *Settings) LoadFile() error {
	if s.File == "" {
		return nil
	}
	data, err := os.ReadFile(s.File)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	var f FileSettings
	dec := yaml.NewDecoder(bytesReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && err.Error() != "EOF" {
		return fmt.Errorf("settings %s: %w", s.File, err)
	}
	if s.DataDir == "" {
		s.DataDir = f.UserDir
	}
	if s.FlowsFile == "" && f.FlowFile != "" {
		s.FlowsFile = f.FlowFile
	}
	if s.GatewayID == "" {
		s.GatewayID = f.GatewayID
	}
	if s.Listen == "" && (f.UIPort != 0 || f.UIHost != "") {
		port := f.UIPort
		if port == 0 {
			port = 1880
		}
		s.Listen = fmt.Sprintf("%s:%d", f.UIHost, port)
	}
	s.Security.merge(f.Security)
	s.MQTTBroker.merge(f.MQTTBroker)
	if s.Broker == "" {
		s.Broker = f.MQTTBroker.Listen
	}
	s.HTTPServer.merge(f.HTTPServer)
	s.Files.merge(f.Files)
	s.mergeFleet(f.Fleet)
	for i, r := range f.Timeseries.Retention {
		rule, err := storage.ParseRollupRule(r.Topic, r.Raw, r.Minute, r.Hour)
		if err != nil {
			return fmt.Errorf("settings %s: timeseries.retention[%d]: %w", s.File, i, err)
		}
		s.Timeseries = append(s.Timeseries, rule)
	}
	if s.MaxNodeQueue == 0 && f.MaxNodeQueue > 0 {
		s.MaxNodeQueue = f.MaxNodeQueue
	}
	if s.NodeCloseTimeout == 0 && f.NodeCloseTimeout > 0 {
		s.NodeCloseTimeout = time.Duration(f.NodeCloseTimeout) * time.Millisecond
	}
	if s.MaxBodyBytes == 0 && f.APIMaxLength != "" {
		n, err := parseSize(f.APIMaxLength)
		if err != nil {
			return fmt.Errorf("settings %s: apiMaxLength: %w", s.File, err)
		}
		s.MaxBodyBytes = n
	}
	if s.MemoryLimit == "" {
		s.MemoryLimit = f.MemoryLimit
	}
	if f.ReleaseStartPages != nil && !*f.ReleaseStartPages {
		s.ReleaseStartPages = false
	}
	if len(s.ContextStorage.Stores) == 0 && !f.ContextStorage.IsZero() {
		if s.ContextStorage, err = parseContextStorage(&f.ContextStorage); err != nil {
			return fmt.Errorf("settings %s: %w", s.File, err)
		}
	}
	return nil
}

func (s *Settings) defaults() {
	if s.Listen == "" {
		s.Listen = ":1880"
	}
	if s.DataDir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			s.DataDir = filepath.Join(home, ".flowgate")
		} else {
			s.DataDir = "data"
		}
	}
	if s.FlowsFile == "" {
		s.FlowsFile = "flows.json"
	}
	if !filepath.IsAbs(s.FlowsFile) {
		s.FlowsFile = filepath.Join(s.DataDir, s.FlowsFile)
	}
	if s.Broker == "" {
		s.Broker = ":1883"
	}
	if s.HW == "" {
		s.HW = "auto"
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.NodeCloseTimeout == 0 {
		s.NodeCloseTimeout = 15 * time.Second
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 5 << 20
	}
	if s.Version == "" {
		s.Version = "dev"
	}
}

// Check reports settings that cannot work, naming the setting.
func (s *Settings) Check() error {
	switch s.HW {
	case "", "auto", "sim", "off", "periph":
	default:
		return fmt.Errorf("--hw: must be auto, periph, sim or off, got %q", s.HW)
	}
	if err := s.Security.check(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := s.MQTTBroker.check(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := s.HTTPServer.check(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := s.Fleet.Check(); err != nil {
		return fmt.Errorf("settings: fleet: %w", err)
	}
	if _, err := parseMemoryLimit(s.MemoryLimit); err != nil {
		return fmt.Errorf("settings: memoryLimit: %w", err)
	}
	return nil
}
