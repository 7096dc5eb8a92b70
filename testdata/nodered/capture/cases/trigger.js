'use strict';
const { single } = require('./_lib');
function tr(extra, nOut) { return single('trigger', Object.assign({ duration: '30', units: 'ms', op1type: 'str', op2type: 'str', extend: false, overrideDelay: false }, extra || {}), nOut || 1); }

module.exports = {
    dir: 'trigger',
    cases: [
        {
            name: 'send 1 then 0 after duration',
            flow: tr({ op1: '1', op2: '0' }),
            inputs: [{ payload: 'x', topic: 't' }],
            settle_ms: 120,
        },
        {
            name: 'editor default val types',
            flow: single('trigger', { duration: '30' }, 1),
            inputs: [{ payload: 'x' }],
            settle_ms: 120,
            note: 'op1type/op2type "val" as written for a node never opened in the editor',
        },
        {
            name: 'send original payload then nothing',
            flow: tr({ op1: '', op1type: 'pay', op2: '', op2type: 'nul' }),
            inputs: [{ payload: 'first' }, { payload: 'second' }],
            settle_ms: 120,
        },
        {
            name: 'blocks retrigger until duration passed',
            flow: tr({ op1: '', op1type: 'pay', op2: '', op2type: 'nul', duration: '60' }),
            inputs: [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }],
            gap_ms: 40,
            settle_ms: 120,
        },
        {
            name: 'then send latest message',
            flow: tr({ op1: '', op1type: 'pay', op2: '', op2type: 'payl' }),
            inputs: [{ payload: 'first' }, { payload: 'second' }],
            settle_ms: 120,
        },
        {
            name: 'then send original message',
            flow: tr({ op1: 'start', op1type: 'str', op2: '', op2type: 'pay' }),
            inputs: [{ payload: 'first', topic: 'a' }, { payload: 'second', topic: 'b' }],
            settle_ms: 120,
        },
        {
            name: 'typed values num bool json',
            flow: tr({ op1: '42', op1type: 'num', op2: '{"done":true}', op2type: 'json' }),
            inputs: [{ payload: 'x' }],
            settle_ms: 120,
        },
        {
            name: 'bool op1',
            flow: tr({ op1: 'true', op1type: 'bool', op2: 'false', op2type: 'bool' }),
            inputs: [{ payload: 'x' }],
            settle_ms: 120,
        },
        {
            name: 'extend restarts timer',
            flow: tr({ op1: 'on', op2: 'off', duration: '50', extend: true }),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }],
            gap_ms: 30,
            settle_ms: 150,
        },
        {
            name: 'msg.reset cancels second output',
            flow: tr({ op1: 'on', op2: 'off', duration: '50' }),
            inputs: [{ payload: 1 }, { reset: true }],
            settle_ms: 150,
        },
        {
            name: 'reset by payload value',
            flow: tr({ op1: 'on', op2: 'off', duration: '50', reset: 'stop' }),
            inputs: [{ payload: 1 }, { payload: 'stop' }],
            settle_ms: 150,
        },
        {
            name: 'per topic timers',
            flow: tr({ op1: '', op1type: 'pay', op2: 'end', op2type: 'str', bytopic: 'topic', topic: 'topic' }),
            inputs: [{ payload: 'a1', topic: 'a' }, { payload: 'b1', topic: 'b' }, { payload: 'a2', topic: 'a' }],
            settle_ms: 150,
        },
        {
            name: 'all topics one timer',
            flow: tr({ op1: '', op1type: 'pay', op2: 'end', op2type: 'str', bytopic: 'all' }),
            inputs: [{ payload: 'a1', topic: 'a' }, { payload: 'b1', topic: 'b' }],
            settle_ms: 150,
        },
        {
            name: 'wait for reset when duration zero',
            flow: tr({ op1: '', op1type: 'pay', op2: '', op2type: 'nul', duration: '0' }),
            inputs: [{ payload: 1 }, { payload: 2 }, { reset: true }, { payload: 3 }],
            settle_ms: 100,
        },
        {
            name: 'override delay with msg.delay',
            flow: tr({ op1: 'on', op2: 'off', duration: '500', overrideDelay: true }),
            inputs: [{ payload: 1, delay: 20 }],
            settle_ms: 150,
        },
        {
            name: 'second output gets op2',
            flow: tr({ op1: 'on', op2: 'off', outputs: 2 }, 2),
            inputs: [{ payload: 1 }],
            settle_ms: 120,
        },
        {
            name: 'op2 mustache template',
            flow: tr({ op1: 'start {{payload}}', op2: 'end {{topic}}' }),
            inputs: [{ payload: 'P', topic: 'T' }],
            settle_ms: 120,
        },
    ],
};
