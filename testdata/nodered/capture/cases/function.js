'use strict';
const { node, helperNode } = require('./_lib');

// Function node defaults as the Node-RED 4 editor writes them.
function fn(func, props, nOutputs) {
    nOutputs = nOutputs || 1;
    const wires = [];
    for (let i = 0; i < nOutputs; i++) { wires.push(['out' + i]); }
    return node('function', 'n1', Object.assign({ name: '', func: func, outputs: nOutputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [] }, props || {}), wires);
}
function withCatch(func, props, nOutputs) {
    nOutputs = nOutputs || 1;
    const flow = [fn(func, Object.assign({ name: 'fn' }, props || {}), nOutputs), node('catch', 'c1', { scope: null, uncaught: false }, [['err0']])];
    for (let i = 0; i < nOutputs; i++) { flow.push(helperNode('out' + i)); }
    flow.push(helperNode('err0'));
    return flow;
}

module.exports = {
    dir: 'function',
    cases: [
        { name: 'return msg modified', flow: withCatch('msg.payload = msg.payload + 1;\nreturn msg;'), inputs: [{ payload: 1, topic: 't' }] },
        { name: 'return null sends nothing', flow: withCatch('return null;'), inputs: [{ payload: 1 }] },
        { name: 'return new object gets msgid', flow: withCatch('return {payload: "new", n: [1, {a: true}]};'), inputs: [{ payload: 1, topic: 'x' }] },
        { name: 'array per output', flow: withCatch('return [msg, null, {payload: 3}];', {}, 3), inputs: [{ payload: 1 }] },
        { name: 'array of arrays', flow: withCatch('return [[{payload:1},{payload:2}], [{payload:3}]];', {}, 2), inputs: [{ payload: 0 }] },
        { name: 'node send then return', flow: withCatch('node.send({payload:"a"});\nnode.send([null,{payload:"b"}]);\nreturn {payload:"c"};', {}, 2), inputs: [{ payload: 0 }] },
        { name: 'throw error', flow: withCatch('msg.payload = "changed";\nthrow new Error("boom");'), inputs: [{ payload: 1 }] },
        { name: 'throw string', flow: withCatch('throw "plain boom";'), inputs: [{ payload: 1 }] },
        { name: 'throw object', flow: withCatch('throw {code: 42};'), inputs: [{ payload: 1 }] },
        { name: 'reference error', flow: withCatch('var a = 1;\nfoo.bar = 2;\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'node error with msg', flow: withCatch('node.error("bad thing", msg);\nreturn null;'), inputs: [{ payload: 1 }] },
        { name: 'node error without msg', flow: withCatch('node.error("bad thing");\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'existing error moved to _error', flow: withCatch('throw new Error("second");'), inputs: [{ payload: 1, error: { message: 'first' } }] },
        { name: 'non message returned', flow: withCatch('return [5, msg];', {}, 2), inputs: [{ payload: 1 }] },
        { name: 'return string', flow: withCatch('return "hello";'), inputs: [{ payload: 1 }] },
        { name: 'buffer payload', flow: withCatch('var b = Buffer.from([65, 66, 67]);\nmsg.len = b.length;\nmsg.str = b.toString();\nmsg.hex = b.toString("hex");\nmsg.b64 = b.toString("base64");\nmsg.first = b[0];\nmsg.isbuf = Buffer.isBuffer(b);\nmsg.payload = b;\nmsg.out = Buffer.from("hi");\nmsg.fromhex = Buffer.from("4142", "hex").toString();\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'context get set', flow: withCatch('var c = context.get("count") || 0;\ncontext.set("count", c + 1);\nflow.set("f", msg.payload);\nglobal.set("g", {a: c});\nmsg.payload = [c, flow.get("f"), global.get("g"), context.keys()];\nreturn msg;'), inputs: [{ payload: 1 }, { payload: 2 }] },
        { name: 'context multiple keys', flow: withCatch('flow.set(["a","b"], [1, 2]);\nmsg.payload = flow.get(["a","b"]);\nmsg.keys = flow.keys();\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'context preset', flow: withCatch('msg.payload = [flow.get("x"), global.get("y.z"), flow.get("missing")];\nreturn msg;'), inputs: [{ payload: 1 }], context: { flow: { x: 5 }, global: { y: { z: 'deep' } } } },
        { name: 'env get', flow: withCatch('msg.payload = [env.get("FG_TEST_VAR"), env.get("FG_NOT_SET_VAR"), env.get("NR_NODE_ID")];\nreturn msg;'), inputs: [{ payload: 1 }], env: { FG_TEST_VAR: 'hello' } },
        { name: 'node properties', flow: withCatch('msg.payload = [node.id, node.name, node.outputCount, typeof node.send, typeof node.done];\nreturn msg;', { name: 'myfn' }), inputs: [{ payload: 1 }] },
        { name: 'red util', flow: withCatch('var c = RED.util.cloneMessage(msg);\nc.payload.a = 2;\nRED.util.setMessageProperty(msg, "x.y", 3);\nmsg.got = RED.util.getMessageProperty(msg, "payload.a");\nmsg.clone = c.payload;\nreturn msg;'), inputs: [{ payload: { a: 1 } }] },
        { name: 'async await result', flow: withCatch('await new Promise(r => setTimeout(r, 5));\nmsg.payload = "later";\nreturn msg;'), inputs: [{ payload: 1 }], settle_ms: 50 },
        { name: 'set timeout send', flow: withCatch('setTimeout(function() { node.send({payload: "tick"}); }, 10);\nreturn null;'), inputs: [{ payload: 1 }], settle_ms: 60 },
        { name: 'promise returned', flow: withCatch('return Promise.resolve({payload: "p"});'), inputs: [{ payload: 1 }] },
        { name: 'initialize sets context', flow: withCatch('msg.payload = context.get("init");\nreturn msg;', { initialize: 'context.set("init", "ready");' }), inputs: [{ payload: 1 }] },
        { name: 'timer error reported', flow: withCatch('setTimeout(function() { throw new Error("in timer"); }, 5);\nreturn null;'), inputs: [{ payload: 1 }], settle_ms: 40 },
        { name: 'async rejection', flow: withCatch('await null;\nthrow new Error("late");'), inputs: [{ payload: 1 }] },
        { name: 'node done manual', flow: withCatch('node.send(msg);\nnode.done();'), inputs: [{ payload: 1 }] },
        { name: 'typeof checks', flow: withCatch('msg.payload = [typeof require, typeof process, typeof Buffer, typeof setTimeout, typeof console, typeof util];\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'node on input rejected', flow: withCatch('node.on("input", function(){});\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'undefined properties dropped', flow: withCatch('msg.u = undefined;\nmsg.n = null;\nmsg.d = new Date(0);\nreturn msg;'), inputs: [{ payload: 1 }] },
        { name: 'object key order', flow: withCatch('msg.keys = Object.keys(msg.payload);\nvar f = [];\nfor (var k in msg.payload) { f.push(k); }\nmsg.forin = f;\nmsg.json = JSON.stringify(msg.payload);\nmsg.payload.z = 0;\nmsg.payload["1"] = 1;\nmsg.payload.b = "kept";\nmsg.built = {y: 1, x: {d: 1, c: 2}, "10": 3, "2": 4};\nmsg.entries = Object.entries(msg.built).map(e => e[0]).join();\nreturn msg;'), inputs: [{ payload: { b: 1, name: 'x', a: { q: 1, p: 2 } } }] },
    ],
};
