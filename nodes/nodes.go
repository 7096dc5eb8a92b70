package nodes

import (
	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
	"github.com/flowgate/flowgate/nodes/common"
	"github.com/flowgate/flowgate/nodes/function"
	"github.com/flowgate/flowgate/nodes/hardware"
	"github.com/flowgate/flowgate/nodes/homeassistant"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
	"github.com/flowgate/flowgate/nodes/network"
	"github.com/flowgate/flowgate/nodes/parser"
	"github.com/flowgate/flowgate/nodes/sequence"
	"github.com/flowgate/flowgate/nodes/storage"
)

// Options are what node types need from the runtime; the zero value gives
// the defaults All uses.
type Options struct {
	// DataDir is where storage nodes put relative file names.
	DataDir string
	// DBs shares database files between the storage nodes and /api/data.
	DBs *storage.DBs
	// Board is the GPIO and I2C backend; nil means hardware is off.
	Board hw.Board
	// Pins are Board's pin claims, shared with /api/hw; nil makes them.
	Pins *hw.Pins
	// MQTT is the embedded broker, which mqtt-broker nodes naming it reach
	// in-process; nil when there is none.
	MQTT mqttconn.Embedded
	// ExecDisabled refuses to deploy exec nodes.
	ExecDisabled bool
	// Gateway is the Home Assistant gateway id (homeassistant.Options).
	Gateway string
	// FileWorkingDirectory anchors the file nodes' relative names
	// (Node-RED's fileWorkingDirectory).
	FileWorkingDirectory string
	// FileAllowDirs, when not empty, are the only directories the file
	// nodes may touch.
	FileAllowDirs []string
}

// All returns every node type, category by category, with default options.
func All() []engine.Type { return AllWith(Options{}) }

// AllWith returns every node type, category by category, using o.
func AllWith(o Options) []engine.Type {
	var all []engine.Type
	for _, types := range [][]engine.Type{
		common.Types(),
		function.TypesWith(function.Options{ExecDisabled: o.ExecDisabled}),
		sequence.Types(),
		parser.Types(),
		network.TypesWith(network.Settings{Embedded: o.MQTT}),
		homeassistant.TypesWith(homeassistant.Options{Gateway: o.Gateway}),
		storage.TypesWith(storage.Options{DataDir: o.DataDir, DBs: o.DBs, FileWorkingDirectory: o.FileWorkingDirectory, FileAllowDirs: o.FileAllowDirs}),
		hardware.TypesWith(hardware.Options{Board: o.Board, Pins: o.Pins}),
	} {
		all = append(all, types...)
	}
	return all
}
