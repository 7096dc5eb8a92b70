#!/usr/bin/env node
// Captures admin API responses from a running, real Node-RED 4 into the
// golden files of this folder. The editor tests replay the same requests
// against Flowgate and compare statuses, content types and bodies.
//
//   node-red -u "$(mktemp -d)" -s settings.js    # settings.js beside this file
//   NODE_PATH=/path/to/node-red/node_modules node capture.js http://127.0.0.1:18931
//
// The cases run in order against one runtime: each starts from the state the
// previous one left. Do not edit the golden files by hand.
"use strict";
const fs = require("fs");
const path = require("path");
const http = require("http");

const base = new URL(process.argv[2] || "http://127.0.0.1:18931");

const flow = [
  {id: "t1", type: "tab", label: "Flow 1", disabled: false, info: ""},
  {id: "i1", type: "inject", z: "t1", name: "", props: [{p: "payload"}], repeat: "", once: false, topic: "", payload: "", payloadType: "date", x: 100, y: 100, wires: [["d1"]]},
  {id: "d1", type: "debug", z: "t1", active: true, tosidebar: true, console: false, tostatus: true, statusVal: "payload", statusType: "auto", complete: "false", x: 300, y: 100, wires: []},
  {id: "c1", type: "mqtt-broker", broker: "localhost", port: "1883"},
];
const json = {"Content-Type": "application/json"};
const v2 = {"Node-RED-API-Version": "v2"};

// body: a value sent as JSON, or a string sent as is; rev: true puts the
// current rev into body.rev.
const cases = [
  {name: "post_flows_v1_empty", method: "POST", path: "/flows", headers: json, body: []},
  {name: "get_flows_v1_empty", method: "GET", path: "/flows"},
  {name: "get_flows_v2_empty", method: "GET", path: "/flows", headers: v2},
  {name: "get_flows_bad_version", method: "GET", path: "/flows", headers: {"Node-RED-API-Version": "v3"}},
  {name: "post_flows_v1", method: "POST", path: "/flows", headers: json, body: flow},
  {name: "get_flows_v1", method: "GET", path: "/flows"},
  {name: "get_flows_v2", method: "GET", path: "/flows", headers: v2},
  {name: "post_flows_v2_stale", method: "POST", path: "/flows", headers: {...json, ...v2}, body: {flows: [], rev: "abc"}},
  {name: "post_flows_v2", method: "POST", path: "/flows", headers: {...json, ...v2}, body: {flows: flow}, rev: true},
  {name: "post_flows_v2_reload", method: "POST", path: "/flows", headers: {...json, ...v2, "Node-RED-Deployment-Type": "reload"}, body: {flows: []}},
  {name: "post_flows_v1_nodes", method: "POST", path: "/flows", headers: {...json, "Node-RED-Deployment-Type": "nodes"}, body: flow},
  {name: "get_flows_state", method: "GET", path: "/flows/state"},
  {name: "post_flows_state_bad", method: "POST", path: "/flows/state", headers: json, body: {state: "bogus"}},
  {name: "post_flows_state_stop", method: "POST", path: "/flows/state", headers: json, body: {state: "stop"}},
  {name: "get_flows_state_stopped", method: "GET", path: "/flows/state"},
  {name: "post_flows_state_start", method: "POST", path: "/flows/state", headers: json, body: {state: "start"}},
  {name: "get_flow_tab", method: "GET", path: "/flow/t1"},
  {name: "get_flow_global", method: "GET", path: "/flow/global"},
  {name: "get_flow_missing", method: "GET", path: "/flow/nope"},
  {name: "post_flow", method: "POST", path: "/flow", headers: json, body: {label: "New", nodes: [{id: "n2", type: "comment", name: "hi", x: 10, y: 10, wires: []}], configs: []}},
  {name: "post_flow_no_nodes", method: "POST", path: "/flow", headers: json, body: {label: "New"}},
  {name: "post_flow_duplicate", method: "POST", path: "/flow", headers: json, body: {label: "New", nodes: [{id: "i1", type: "comment"}]}},
  {name: "put_flow", method: "PUT", path: "/flow/t1", headers: json, body: {id: "t1", label: "Renamed", nodes: flow.filter(n => n.z === "t1")}},
  {name: "get_flow_tab_renamed", method: "GET", path: "/flow/t1"},
  {name: "put_flow_missing", method: "PUT", path: "/flow/zz", headers: json, body: {id: "zz", label: "X", nodes: []}},
  {name: "delete_flow_global", method: "DELETE", path: "/flow/global"},
  {name: "delete_flow_missing", method: "DELETE", path: "/flow/zz"},
  {name: "inject", method: "POST", path: "/inject/i1"},
  {name: "inject_props", method: "POST", path: "/inject/i1", headers: json, body: {__user_inject_props__: [{p: "payload", v: "x", vt: "str"}]}},
  {name: "inject_missing", method: "POST", path: "/inject/nope"},
  {name: "debug_disable", method: "POST", path: "/debug/d1/disable"},
  {name: "debug_enable", method: "POST", path: "/debug/d1/enable"},
  {name: "debug_missing", method: "POST", path: "/debug/nope/enable"},
  {name: "debug_bad_state", method: "POST", path: "/debug/d1/bogus"},
  {name: "debug_bulk_disable", method: "POST", path: "/debug/disable", headers: json, body: {nodes: ["d1"]}},
  {name: "debug_bulk_enable", method: "POST", path: "/debug/enable", headers: json, body: {nodes: ["d1"]}},
  {name: "debug_bulk_no_nodes", method: "POST", path: "/debug/disable"},
  {name: "delete_flow", method: "DELETE", path: "/flow/t1"},
  {name: "get_flows_after_delete", method: "GET", path: "/flows"},
  {name: "get_settings", method: "GET", path: "/settings"},
  {name: "post_flows_too_large", method: "POST", path: "/flows", headers: json, body: JSON.stringify([{id: "t1", type: "tab", label: "x".repeat(6 << 20)}]), omitBody: true},
];

function request(c, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({host: base.hostname, port: base.port, path: c.path, method: c.method, headers: c.headers || {}}, res => {
      const chunks = [];
      res.on("data", d => chunks.push(d));
      res.on("end", () => resolve({status: res.statusCode, contentType: res.headers["content-type"] || "", body: Buffer.concat(chunks).toString()}));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function main() {
  let rev = "";
  for (const c of cases) {
    let body = c.body;
    if (c.rev) body = {...body, rev};
    const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const res = await request(c, text);
    const cur = await request({method: "GET", path: "/flows", headers: v2});
    rev = JSON.parse(cur.body).rev;
    const golden = {
      name: c.name,
      request: {method: c.method, path: c.path, headers: c.headers || {}, body: c.omitBody ? undefined : text},
      status: res.status,
      contentType: res.contentType,
      body: res.body,
    };
    if (c.omitBody) golden.request.bodyBytes = text.length;
    fs.writeFileSync(path.join(__dirname, c.name + ".json"), JSON.stringify(golden, null, 2) + "\n");
    console.log(c.name, res.status);
  }
  fs.writeFileSync(path.join(__dirname, "index.json"), JSON.stringify(cases.map(c => c.name), null, 2) + "\n");
  await captureComms();
}

// captureComms records the frames a /comms client gets after subscribing
// and pressing an inject wired to a debug node with status, and the frames
// a second client gets when it subscribes to status/# afterwards (the
// retained status).
async function captureComms() {
  const WS = require("ws");
  await request({method: "POST", path: "/flows", headers: json}, JSON.stringify(flow));
  const frames = [];
  const ws = new WS(`ws://${base.host}/comms`);
  await new Promise(r => ws.on("open", r));
  ws.on("message", d => frames.push(String(d)));
  for (const t of ["status/#", "notification/#", "debug"]) ws.send(JSON.stringify({subscribe: t}));
  await new Promise(r => setTimeout(r, 300));
  await request({method: "POST", path: "/inject/i1"});
  await new Promise(r => setTimeout(r, 300));
  ws.close();
  const replay = [];
  const ws2 = new WS(`ws://${base.host}/comms`);
  await new Promise(r => ws2.on("open", r));
  ws2.on("message", d => replay.push(String(d)));
  ws2.send(JSON.stringify({subscribe: "status/#"}));
  await new Promise(r => setTimeout(r, 300));
  ws2.close();
  const golden = {name: "comms", subscribe: ["status/#", "notification/#", "debug"], frames, replay};
  fs.writeFileSync(path.join(__dirname, "comms.json"), JSON.stringify(golden, null, 2) + "\n");
  console.log("comms", frames.length);
}

main().catch(err => { console.error(err); process.exit(1); });
