#!/usr/bin/env node
/**
 * Captures behaviour fixtures from REAL Node-RED 4 core nodes for Flowgate.
 *
 *   cd testdata/nodered/capture && npm install && node capture.js [filter]
 *
 * Case definitions live in ./cases/*.js (files starting with "_" are helpers).
 * Each case file exports { dir: "<node-type-dir>", cases: [ ... ] }.
 * A case is:
 *   {
 *     name:      "human readable name"          (required, also gives the file name)
 *     file:      "file-name"                    (optional, default: slug of name)
 *     flow:      [ node, ... ]                  (n1 = node under test, helpers out0.., err0..)
 *     inputs:    [ msg, ... ]                   (sent in order to n1)
 *     settle_ms: 50                             (wait after the last input)
 *     gap_ms:    0                              (optional wait between inputs)
 *     ignore:    ["payload.ts"]                 (paths with random / time based values)
 *     context:   { flow: {...}, global: {...} } (optional, preset before the first input)
 *     env:       { NAME: "value" }              (optional, process env vars for the run)
 *   }
 * One fixture file is written per case to ../<dir>/<file>.json.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const helper = require('node-red-node-test-helper');
const i18n = require('@node-red/util').i18n;

const CORE = path.dirname(require.resolve('@node-red/nodes/package.json'));
const RUNTIME = path.dirname(require.resolve('@node-red/runtime/package.json'));
const OUT_ROOT = path.resolve(__dirname, '..');
const TAB_ID = 'f1';

// node type -> core module file
const MODULES = {
    'function': 'core/function/10-function.js',
    'switch': 'core/function/10-switch.js',
    'change': 'core/function/15-change.js',
    'range': 'core/function/16-range.js',
    'template': 'core/function/80-template.js',
    'delay': 'core/function/89-delay.js',
    'trigger': 'core/function/89-trigger.js',
    'rbe': 'core/function/rbe.js',
    'split': 'core/sequence/17-split.js',
    'join': 'core/sequence/17-split.js',
    'sort': 'core/sequence/18-sort.js',
    'batch': 'core/sequence/19-batch.js',
    'json': 'core/parsers/70-JSON.js',
    'csv': 'core/parsers/70-CSV.js',
    'yaml': 'core/parsers/70-YAML.js',
    'xml': 'core/parsers/70-XML.js',
    'link in': 'core/common/60-link.js',
    'link out': 'core/common/60-link.js',
    'link call': 'core/common/60-link.js',
    'catch': 'core/common/25-catch.js',
    'status': 'core/common/25-status.js',
    'complete': 'core/common/24-complete.js',
    'junction': 'core/common/05-junction.js',
};

const HELPER_LOADED = ['catch', 'status', 'complete'];
const helperModules = Object.assign({}, helper._nodeModules);

// ---------------------------------------------------------------------------
// Real i18n, so that error texts are the English strings the editor/runtime
// shows (the test helper normally replaces RED._ with an identity function).
async function initI18n() {
    i18n.init({ lang: 'en-US' });
    await i18n.registerMessageCatalog('runtime', path.join(RUNTIME, 'locales'), 'runtime.json');
    await i18n.registerMessageCatalog('node-red', path.join(CORE, 'locales'), 'messages.json');
    const translate = function (key, opts) { return i18n._('node-red:' + key, opts); };
    const util = helper._registryUtil;
    const orig = util.createNodeApi;
    util.createNodeApi = function (node) {
        const red = orig.apply(this, arguments);
        Object.defineProperty(red, '_', { get() { return translate; }, set() { }, configurable: true });
        return red;
    };
}

// ---------------------------------------------------------------------------
// Recording of node.error / node.warn / node.log.
let recorder = null;
function installHooks() {
    const proto = helper._NodePrototype;
    const orig = { error: proto.error, warn: proto.warn, log: proto.log };
    proto.error = function (logMessage, msg) {
        if (recorder) {
            const e = { node: this.id, message: toText(logMessage) };
            if (msg && typeof msg === 'object') { e.msg = clean(msg); }
            recorder.errors.push(e);
        }
        return orig.error.apply(this, arguments);
    };
    proto.warn = function (m) {
        if (recorder) { recorder.warnings.push({ node: this.id, message: toText(m) }); }
        return orig.warn.apply(this, arguments);
    };
    proto.log = function (m) {
        if (recorder) { recorder.logs.push({ node: this.id, message: toText(m) }); }
        return orig.log.apply(this, arguments);
    };
}

function toText(m) {
    if (m === undefined || m === null) { return ''; }
    // Same as Flow.handleError: msg.error.message = logMessage.toString()
    return m.toString();
}

// JSON form of a message: Buffers become {"type":"Buffer","data":[...]},
// every "_msgid" key is removed (at any depth).
function clean(value) {
    const json = JSON.parse(JSON.stringify(value === undefined ? null : value));
    return stripMsgid(json);
}
function stripMsgid(v) {
    if (Array.isArray(v)) { return v.map(stripMsgid); }
    if (v && typeof v === 'object') {
        const o = {};
        for (const k of Object.keys(v)) {
            if (k === '_msgid') { continue; }
            o[k] = stripMsgid(v[k]);
        }
        return o;
    }
    return v;
}

// Paths that are random by nature and detected automatically.
function autoIgnore(msg, set, fixedIds) {
    if (!msg || typeof msg !== 'object') { return; }
    let p = msg.parts, prefix = 'parts';
    while (p && typeof p === 'object') {
        // parts.id values generated by Node-RED are random; ids that came in
        // with the inputs are kept as checked values.
        if (p.hasOwnProperty('id') && !fixedIds.has(p.id)) { set.add(prefix + '.id'); }
        p = p.parts; prefix += '.parts';
    }
    if (msg.error && typeof msg.error === 'object' && msg.error.hasOwnProperty('stack')) {
        set.add('error.stack');
    }
    if (msg._error && typeof msg._error === 'object' && msg._error.hasOwnProperty('stack')) {
        set.add('_error.stack');
    }
}

function slug(s) {
    return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

const sleep = ms => new Promise(r => setTimeout(r, ms));
async function drain() {
    // let every pending (async) message delivery run to completion
    for (let i = 0; i < 25; i++) { await new Promise(r => setImmediate(r)); }
    await sleep(1);
    for (let i = 0; i < 25; i++) { await new Promise(r => setImmediate(r)); }
}

function buildFlow(flow) {
    const out = [{ id: TAB_ID, type: 'tab', label: 'Flow 1', disabled: false, info: '', env: [] }];
    flow.forEach((n, i) => {
        const copy = Object.assign({ id: n.id, type: n.type, z: TAB_ID }, n);
        const wires = copy.wires || [];
        delete copy.wires;
        // The editor always writes x/y. Node-RED treats a node WITHOUT x and y
        // as a config node, so they matter.
        if (copy.x === undefined) { copy.x = 160 + (i % 4) * 200; }
        if (copy.y === undefined) { copy.y = 80 + Math.floor(i / 4) * 60; }
        copy.wires = wires;
        out.push(copy);
    });
    return out;
}

function contextDump(ctx) {
    const o = {};
    for (const k of ctx.keys()) { o[k] = ctx.get(k); }
    return o;
}

async function runCase(c) {
    const flow = buildFlow(c.flow);
    const mods = new Set();
    for (const n of flow) {
        // catch/status/complete are loaded by the test helper itself
        if (MODULES[n.type] && !HELPER_LOADED.includes(n.type)) { mods.add(MODULES[n.type]); }
    }
    // The test helper calls the catch/status/complete module once per node of
    // that type, which fails ("already registered") when a flow has two of them.
    const registered = new Set();
    for (const t of HELPER_LOADED) {
        const orig = helperModules[t];
        helper._nodeModules[t] = function (red) {
            if (registered.has(t)) { return; }
            registered.add(t);
            return orig(red);
        };
    }
    const nodeModules = [...mods].map(m => require(path.join(CORE, m)));

    const savedEnv = {};
    for (const k of Object.keys(c.env || {})) { savedEnv[k] = process.env[k]; process.env[k] = c.env[k]; }

    const rec = recorder = { errors: [], warnings: [], logs: [] };
    const outputs = [];
    let contextAfter;
    try {
        // Deep copy the flow: nodes may modify their config objects.
        await helper.load(nodeModules, JSON.parse(JSON.stringify(flow)));
        const n1 = helper.getNode('n1');
        if (!n1) { throw new Error('node n1 did not start'); }
        if (c.context) {
            for (const [k, v] of Object.entries(c.context.flow || {})) { n1.context().flow.set(k, structuredCloneMsg(v)); }
            for (const [k, v] of Object.entries(c.context.global || {})) { n1.context().global.set(k, structuredCloneMsg(v)); }
        }
        for (const n of flow) {
            if (n.type === 'helper') {
                helper.getNode(n.id).on('input', function (msg) {
                    outputs.push({ to: n.id, msg: clean(msg) });
                });
            }
        }
        await drain();
        for (let i = 0; i < c.inputs.length; i++) {
            if (i > 0 && c.gap_ms) { await sleep(c.gap_ms); }
            n1.receive(structuredCloneMsg(c.inputs[i]));
            await drain();
        }
        await sleep(c.settle_ms);
        const fctx = contextDump(n1.context().flow);
        const gctx = contextDump(n1.context().global);
        if (Object.keys(fctx).length || Object.keys(gctx).length || c.context) {
            contextAfter = { flow: clean(fctx), global: clean(gctx) };
        }
    } finally {
        recorder = null;
        await helper.unload();
        for (const k of Object.keys(savedEnv)) {
            if (savedEnv[k] === undefined) { delete process.env[k]; } else { process.env[k] = savedEnv[k]; }
        }
    }

    const ignore = new Set(c.ignore || []);
    const fixedIds = new Set();
    (function collect(v) {
        if (Array.isArray(v)) { v.forEach(collect); }
        else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
            if (v.parts && typeof v.parts === 'object' && v.parts.id !== undefined) { fixedIds.add(v.parts.id); }
            Object.keys(v).forEach(k => collect(v[k]));
        }
    })(c.inputs);
    outputs.forEach(o => autoIgnore(o.msg, ignore, fixedIds));
    rec.errors.forEach(e => autoIgnore(e.msg, ignore, fixedIds));

    const fixture = {
        name: c.name,
        flow: flow,
        inputs: c.inputs.map(m => clean(m)),
        outputs: outputs,
        errors: rec.errors,
        ignore: [...ignore].sort(),
        settle_ms: c.settle_ms,
    };
    if (c.gap_ms) { fixture.gap_ms = c.gap_ms; }
    if (c.context) { fixture.context = { flow: clean(c.context.flow || {}), global: clean(c.context.global || {}) }; }
    if (contextAfter) { fixture.context_after = contextAfter; }
    if (c.env) { fixture.env = c.env; }
    if (rec.warnings.length) { fixture.warnings = rec.warnings; }
    if (rec.logs.length) { fixture.logs = rec.logs; }
    if (c.note) { fixture.note = c.note; }
    return fixture;
}

// Deep copy keeping Buffers as Buffers.
function structuredCloneMsg(v) {
    if (Buffer.isBuffer(v)) { return Buffer.from(v); }
    if (Array.isArray(v)) { return v.map(structuredCloneMsg); }
    if (v && typeof v === 'object') {
        const o = {};
        for (const k of Object.keys(v)) { o[k] = structuredCloneMsg(v[k]); }
        return o;
    }
    return v;
}

// --check: compare a fresh capture with the stored fixture, skipping the
// "ignore" paths in every output / error msg.
function compareFixture(stored, fresh) {
    const ignore = new Set([...(stored.ignore || []), ...(fresh.ignore || [])]);
    const strip = (msg) => {
        if (!msg || typeof msg !== 'object') { return msg; }
        msg = JSON.parse(JSON.stringify(msg));
        for (const p of ignore) {
            const parts = p.split('.');
            let o = msg;
            for (let i = 0; i < parts.length - 1 && o; i++) { o = o[parts[i]]; }
            if (o && typeof o === 'object') { delete o[parts[parts.length - 1]]; }
        }
        return msg;
    };
    const norm = f => JSON.stringify({
        outputs: (f.outputs || []).map(o => ({ to: o.to, msg: strip(o.msg) })),
        errors: (f.errors || []).map(e => ({ node: e.node, message: e.message, msg: strip(e.msg) })),
        warnings: f.warnings || [], logs: f.logs || [], context_after: f.context_after || null,
        flow: f.flow, inputs: f.inputs,
    });
    const a = norm(stored), b = norm(fresh);
    if (a === b) { return null; }
    let i = 0;
    while (i < a.length && a[i] === b[i]) { i++; }
    return 'stored ...' + a.substr(Math.max(0, i - 60), 160) + '\n     fresh  ...' + b.substr(Math.max(0, i - 60), 160);
}

async function main() {
    const args = process.argv.slice(2);
    const check = args.includes('--check');
    const filter = args.filter(a => a !== '--check')[0];
    await initI18n();
    installHooks();

    const caseDir = path.join(__dirname, 'cases');
    const files = fs.readdirSync(caseDir).filter(f => f.endsWith('.js') && !f.startsWith('_')).sort();
    const counts = {};
    const seen = new Set();
    let failures = 0;
    for (const f of files) {
        const def = require(path.join(caseDir, f));
        const dir = def.dir.replace(/ /g, '_');
        for (const c of def.cases) {
            const file = c.file || slug(c.name);
            const key = dir + '/' + file;
            if (seen.has(key)) { throw new Error('duplicate case file ' + key); }
            seen.add(key);
            if (filter && key.indexOf(filter) === -1) { continue; }
            if (c.settle_ms === undefined) { c.settle_ms = 50; }
            try {
                const fixture = await runCase(c);
                const outDir = path.join(OUT_ROOT, dir);
                const outFile = path.join(outDir, file + '.json');
                if (check) {
                    const diff = compareFixture(JSON.parse(fs.readFileSync(outFile, 'utf8')), JSON.parse(JSON.stringify(fixture)));
                    if (diff) { failures++; process.stdout.write(`DIFF ${key}: ${diff}\n`); continue; }
                } else {
                    fs.mkdirSync(outDir, { recursive: true });
                    fs.writeFileSync(outFile, JSON.stringify(fixture, null, 2) + '\n');
                }
                counts[dir] = (counts[dir] || 0) + 1;
                process.stdout.write(`ok   ${key}  (${fixture.outputs.length} out, ${fixture.errors.length} err)\n`);
            } catch (err) {
                failures++;
                process.stdout.write(`FAIL ${key}: ${err && err.stack || err}\n`);
            }
        }
    }
    let total = 0;
    for (const d of Object.keys(counts).sort()) { total += counts[d]; console.log(`${d}: ${counts[d]}`); }
    console.log(`total: ${total}, failures: ${failures}`);
    process.exit(failures ? 1 : 0);
}

main().catch(err => { console.error(err); process.exit(1); });
