// Package editor is the server side of the Flowgate editor: the Node-RED
// compatible admin HTTP API (/flows, /flow, /nodes, /settings, /inject,
// /debug, ...), the /comms websocket that carries debug messages, node
// statuses and notifications to browsers, and the files of the built editor.
// Paths it does not own go to a fallback handler (the routes of http in
// nodes), as Node-RED serves both on one listener.
//
// The runtime reaches it through the Backend interface and receives engine
// events through the Hub. Import rules: editor imports engine and flows,
// never nodes or runtime.
package editor
