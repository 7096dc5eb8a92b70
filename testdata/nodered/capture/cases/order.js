'use strict';
// Delivery order across branches: Node-RED 4 queues every send (setImmediate)
// and delivers breadth-first in the order sent. These cases pin the order in
// which messages reach the collectors, not only what they carry.
const { node, helperNode } = require('./_lib');

function fn(id, func, nOutputs, wires) {
    return node('function', id, { name: '', func: func, outputs: nOutputs || 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [] }, wires);
}
function change(id, rules, wires) {
    return node('change', id, { rules: rules }, wires);
}
function set(p, to, tot) { return { t: 'set', p: p, pt: 'msg', to: to, tot: tot || 'str' }; }

// The flow: switch (checkall, 10 rules, the last "is not null") to 10
// change nodes, the last one setting msg.complete, into a manual join.
function switchJoin() {
    const rules = [];
    const wires = [];
    const flow = [];
    for (let i = 0; i < 10; i++) {
        rules.push(i < 9 ? { t: 'gte', v: String(i), vt: 'num' } : { t: 'nnull' });
        wires.push(['c' + i]);
        const r = [set('topic', 'k' + i), set('payload', String(i * 10), 'num')];
        if (i === 9) { r.push(set('complete', 'true', 'bool')); }
        flow.push(change('c' + i, r, [['j1']]));
    }
    flow.unshift(node('switch', 'n1', { property: 'payload', propertyType: 'msg', rules: rules, checkall: 'true', outputs: 10 }, wires));
    flow.push(node('join', 'j1', { mode: 'custom', build: 'object', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '' }, [['out0']]));
    flow.push(helperNode('out0'));
    return flow;
}

module.exports = {
    dir: 'order',
    cases: [
        {
            name: 'switch to ten branches joined by msg complete',
            flow: switchJoin(),
            inputs: [{ payload: 5 }, { payload: 20 }, { payload: -1 }],
        },
        {
            name: 'breadth first across branches',
            flow: [
                fn('n1', 'return msg;', 1, [['a1', 'b1']]),
                change('a1', [set('payload', 'a1')], [['a2']]),
                change('a2', [set('payload', 'a2')], [['out0']]),
                change('b1', [set('payload', 'b1')], [['out1']]),
                helperNode('out0'), helperNode('out1'),
            ],
            inputs: [{ payload: 0 }, { payload: 1 }],
        },
        {
            name: 'array of messages per output goes wire by wire',
            flow: [
                fn('n1', 'return [[{payload:1},{payload:2}], [{payload:3}]];', 2, [['out0', 'out1'], ['out2']]),
                helperNode('out0'), helperNode('out1'), helperNode('out2'),
            ],
            inputs: [{ payload: 0 }],
        },
        {
            name: 'node send in a loop then return',
            flow: [
                fn('n1', 'for (let i = 0; i < 3; i++) { node.send([{payload: i}, null]); }\nreturn [null, {payload: "last"}];', 2, [['x1', 'out1'], ['out2']]),
                change('x1', [set('topic', 'x1')], [['out0']]),
                helperNode('out0'), helperNode('out1'), helperNode('out2'),
            ],
            inputs: [{ payload: 0 }],
        },
        {
            name: 'catch output takes its place when the error is reported',
            flow: [
                fn('n1', 'node.send({payload: "before"});\nnode.error("bad", msg);\nreturn {payload: "after"};', 1, [['d1']]),
                change('d1', [set('topic', 'd1')], [['out0']]),
                node('catch', 'c1', { scope: null, uncaught: false }, [['err0']]),
                helperNode('out0'), helperNode('err0'),
            ],
            inputs: [{ payload: 0 }],
        },
        {
            name: 'link out to link in keeps the breadth first order',
            flow: [
                fn('n1', 'return [msg, {payload: "direct"}];', 2, [['lo'], ['out1']]),
                node('link out', 'lo', { mode: 'link', links: ['li'] }, []),
                node('link in', 'li', { links: ['lo'] }, [['out0']]),
                helperNode('out0'), helperNode('out1'),
            ],
            inputs: [{ payload: 0 }],
        },
        {
            name: 'link call returns in order',
            flow: [
                node('link call', 'n1', { links: ['li'], linkType: 'static', timeout: '30' }, [['out0']]),
                node('link in', 'li', { links: [] }, [['w1', 'out1']]),
                change('w1', [set('topic', 'worked')], [['lr']]),
                node('link out', 'lr', { mode: 'return', links: [] }, []),
                helperNode('out0'), helperNode('out1'),
            ],
            inputs: [{ payload: 1 }, { payload: 2 }],
            ignore: ['msg._linkSource'],
        },
        {
            name: 'complete fires after the message is handled',
            flow: [
                fn('n1', 'node.send({payload: "sent"});\nreturn null;', 1, [['out0']]),
                node('complete', 'k1', { scope: ['n1'] }, [['out1']]),
                helperNode('out0'), helperNode('out1'),
            ],
            inputs: [{ payload: 0 }, { payload: 1 }],
        },
    ],
};
