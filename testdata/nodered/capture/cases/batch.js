'use strict';
const { single } = require('./_lib');

function bt(extra) { return single('batch', extra || {}, 1); }
const msgs = n => Array.from({ length: n }, (_, i) => ({ payload: i, topic: 't' + i }));

module.exports = {
    dir: 'batch',
    cases: [
        {
            name: 'count mode groups of three',
            flow: bt({ count: 3 }),
            inputs: msgs(7),
        },
        {
            name: 'count mode with overlap',
            flow: bt({ count: 3, overlap: 1 }),
            inputs: msgs(7),
        },
        {
            name: 'count mode overlap two',
            flow: bt({ count: 3, overlap: 2 }),
            inputs: msgs(5),
        },
        {
            name: 'count mode replaces existing parts',
            flow: bt({ count: 2 }),
            inputs: [{ payload: 'a', parts: { id: 'x', index: 0, count: 1, type: 'string' } }, { payload: 'b' }],
        },
        {
            name: 'count mode reset discards pending',
            flow: bt({ count: 2 }),
            inputs: [{ payload: 1 }, { reset: true }, { payload: 2 }, { payload: 3 }],
        },
        {
            name: 'concat mode joins two topics',
            flow: bt({ mode: 'concat', topics: [{ topic: 'a' }, { topic: 'b' }] }),
            inputs: [
                { payload: 'a0', topic: 'a', parts: { id: 'A', index: 0, count: 2 } },
                { payload: 'b0', topic: 'b', parts: { id: 'B', index: 0, count: 1 } },
                { payload: 'a1', topic: 'a', parts: { id: 'A', index: 1, count: 2 } },
            ],
        },
    ],
};
