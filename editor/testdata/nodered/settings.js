// Node-RED settings for capture.js: loopback only, runtime state API on
// (Flowgate always allows POST /flows/state).
module.exports = {
    uiPort: 18931,
    uiHost: "127.0.0.1",
    flowFile: "flows.json",
    runtimeState: { enabled: true, ui: true },
    logging: { console: { level: "warn" } }
}
