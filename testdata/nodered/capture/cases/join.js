'use strict';
const { node, single, helperNode } = require('./_lib');

// split (n1) -> join (n2) -> out0
function splitJoin(splitProps, joinProps) {
    return [
        node('split', 'n1', splitProps || {}, [['n2']]),
        node('join', 'n2', joinProps || {}, [['out0']]),
        helperNode('out0'),
    ];
}
function jn(extra) { return single('join', Object.assign({}, extra || {}), 1); }
const custom = (extra) => Object.assign({ mode: 'custom', accumulate: false, useparts: false }, extra);

module.exports = {
    dir: 'join',
    cases: [
        {
            name: 'auto after split string',
            flow: splitJoin({ splt: ',' }),
            inputs: [{ payload: 'a,b,c', topic: 't' }],
        },
        {
            name: 'auto after split array chunks',
            flow: splitJoin({ arraySplt: 2 }),
            inputs: [{ payload: [1, 2, 3, 4, 5] }],
        },
        {
            name: 'auto after split object',
            flow: splitJoin({}),
            inputs: [{ payload: { a: 1, b: [2], c: 'x' } }],
        },
        {
            name: 'auto after split buffer',
            flow: splitJoin({ splt: ',' }),
            inputs: [{ payload: Buffer.from('ab,cd') }],
        },
        {
            name: 'auto after split fixed length string',
            flow: splitJoin({ splt: '2', spltType: 'len' }),
            inputs: [{ payload: 'abcde' }],
        },
        {
            name: 'auto after nested split restores outer parts',
            flow: [
                node('split', 'n1', {}, [['n2']]),
                node('split', 'n2', { splt: ',' }, [['n3']]),
                node('join', 'n3', {}, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: ['a,b', 'c'] }],
        },
        {
            name: 'auto without parts warns',
            flow: jn({}),
            inputs: [{ payload: 1 }],
        },
        {
            name: 'auto with hand made parts out of order',
            flow: jn({}),
            inputs: [
                { payload: 'c', parts: { id: 'p1', type: 'string', ch: '-', index: 2, count: 3 } },
                { payload: 'a', parts: { id: 'p1', type: 'string', ch: '-', index: 0, count: 3 } },
                { payload: 'b', parts: { id: 'p1', type: 'string', ch: '-', index: 1, count: 3 } },
            ],
        },
        {
            name: 'manual array by count',
            flow: jn(custom({ build: 'array', count: '3' })),
            inputs: [{ payload: 1, topic: 'a' }, { payload: 'two', topic: 'b' }, { payload: { x: 3 }, topic: 'c' }, { payload: 4 }],
        },
        {
            name: 'manual string with joiner',
            flow: jn(custom({ build: 'string', count: '3', joiner: ', ' })),
            inputs: [{ payload: 'a' }, { payload: 2 }, { payload: true }],
        },
        {
            name: 'manual string default newline joiner',
            flow: jn(custom({ build: 'string', count: '2', joiner: '\\n' })),
            inputs: [{ payload: 'a' }, { payload: 'b' }],
        },
        {
            name: 'manual buffer',
            flow: jn(custom({ build: 'buffer', count: '2', joiner: '[]', joinerType: 'bin' })),
            inputs: [{ payload: Buffer.from('ab') }, { payload: 'cd' }],
        },
        {
            name: 'manual object keyed by topic',
            flow: jn(custom({ build: 'object', count: '2', key: 'topic' })),
            inputs: [{ payload: 1, topic: 'a' }, { payload: 2, topic: 'a' }, { payload: 3, topic: 'b' }],
        },
        {
            name: 'manual object keeps arrival order',
            flow: jn(custom({ build: 'object', count: '3', key: 'topic' })),
            inputs: [{ payload: 1, topic: 'z' }, { payload: 2, topic: 'a' }, { payload: 3, topic: '5' }],
        },
        {
            name: 'manual merged keeps first-seen key order',
            flow: jn(custom({ build: 'merged', count: '3' })),
            inputs: [{ payload: { z: 1, b: 1 } }, { payload: { a: 2, z: 2 } }],
        },
        {
            name: 'manual object missing key warns',
            flow: jn(custom({ build: 'object', count: '2', key: 'topic' })),
            inputs: [{ payload: 1 }],
        },
        {
            name: 'manual object custom key property',
            flow: jn(custom({ build: 'object', count: '2', key: 'name' })),
            inputs: [{ payload: 1, name: 'x' }, { payload: 2, name: 'y' }],
        },
        {
            name: 'manual merged counts keys',
            flow: jn(custom({ build: 'merged', count: '3' })),
            inputs: [{ payload: { a: 1, b: 1 } }, { payload: { b: 2 } }, { payload: { c: 3 } }, { payload: { d: 4 } }],
        },
        {
            name: 'manual merged non object warns',
            flow: jn(custom({ build: 'merged', count: '1' })),
            inputs: [{ payload: 'x' }, { payload: { a: 1 } }],
        },
        {
            name: 'manual complete sends early',
            flow: jn(custom({ build: 'array', count: '10' })),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3, complete: true }, { payload: 4, complete: true }],
        },
        {
            name: 'manual complete on object without key',
            flow: jn(custom({ build: 'object', count: '' })),
            inputs: [{ payload: 1, topic: 'a' }, { complete: true }],
        },
        {
            name: 'manual accumulate object',
            flow: jn(custom({ build: 'object', count: '2', accumulate: true })),
            inputs: [{ payload: 1, topic: 'a' }, { payload: 2, topic: 'b' }, { payload: 3, topic: 'c' }, { payload: 4, topic: 'a' }],
        },
        {
            name: 'manual reset discards partial group',
            flow: jn(custom({ build: 'array', count: '2' })),
            inputs: [{ payload: 1 }, { reset: true }, { payload: 2 }, { payload: 3 }],
        },
        {
            name: 'manual whole message property',
            flow: jn(custom({ build: 'array', count: '2', property: '', propertyType: 'full' })),
            inputs: [{ payload: 1, topic: 'a' }, { payload: 2, topic: 'b' }],
        },
        {
            name: 'manual array ignores parts when useparts false',
            flow: jn(custom({ build: 'array', count: '2' })),
            inputs: [{ payload: 1, parts: { id: 'x', index: 5, count: 9 } }, { payload: 2, parts: { id: 'y', index: 0, count: 9 } }],
        },
        {
            name: 'manual count empty without useparts never completes',
            flow: jn(custom({ build: 'array', count: '' })),
            inputs: [{ payload: 'a', parts: { id: 'g', index: 0, count: 2 } }, { payload: 'b', parts: { id: 'g', index: 1, count: 2 } }],
        },
        {
            name: 'manual count empty with useparts uses parts count',
            flow: jn(custom({ build: 'array', count: '', useparts: true })),
            inputs: [{ payload: 'a', parts: { id: 'g', index: 0, count: 2 } }, { payload: 'b', parts: { id: 'g', index: 1, count: 2 } }],
        },
        {
            name: 'manual timeout sends partial group',
            flow: jn(custom({ build: 'array', count: '5', timeout: '0.05' })),
            inputs: [{ payload: 1 }, { payload: 2 }],
            settle_ms: 200,
        },
    ],
};
