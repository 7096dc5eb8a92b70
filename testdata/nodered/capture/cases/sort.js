'use strict';
const { node, single, helperNode } = require('./_lib');

function so(extra) { return single('sort', extra || {}, 1); }
const seq = (items, id) => items.map((p, i) => ({ payload: p, parts: { id: id || 'seq1', index: i, count: items.length } }));

module.exports = {
    dir: 'sort',
    cases: [
        {
            name: 'array ascending default string compare',
            flow: so(),
            inputs: [{ payload: [3, 1, 10, 2] }, { payload: ['b', 'a', 'C', 'c'] }],
        },
        {
            name: 'array descending',
            flow: so({ order: 'descending' }),
            inputs: [{ payload: ['b', 'a', 'c'] }],
        },
        {
            name: 'array numeric as_num',
            flow: so({ as_num: true }),
            inputs: [{ payload: ['10', '9', 1, '2.5'] }],
        },
        {
            name: 'array numeric descending',
            flow: so({ as_num: true, order: 'descending' }),
            inputs: [{ payload: [3, 1, 10, 2] }],
        },
        {
            name: 'array of mixed numbers without as_num',
            flow: so(),
            inputs: [{ payload: [100, 25, 3] }],
        },
        {
            name: 'non array payload is dropped',
            flow: so(),
            inputs: [{ payload: 'cba' }, { payload: { b: 1, a: 2 } }],
        },
        {
            name: 'other message property',
            flow: so({ target: 'data', msgKey: 'data' }),
            inputs: [{ payload: 'keep', data: ['z', 'y'] }],
        },
        {
            name: 'sequence mode ascending by payload',
            flow: so({ target: '', targetType: 'seq', seqKey: 'payload', seqKeyType: 'msg' }),
            inputs: seq(['c', 'a', 'b']),
        },
        {
            name: 'sequence mode numeric descending',
            flow: so({ target: '', targetType: 'seq', seqKey: 'payload', seqKeyType: 'msg', as_num: true, order: 'descending' }),
            inputs: seq(['9', '10', '1']),
        },
        {
            name: 'sequence mode by other key',
            flow: so({ target: '', targetType: 'seq', seqKey: 'topic', seqKeyType: 'msg' }),
            inputs: [
                { payload: 1, topic: 'b', parts: { id: 's', index: 0, count: 2 } },
                { payload: 2, topic: 'a', parts: { id: 's', index: 1, count: 2 } },
            ],
        },
        {
            name: 'sequence mode after split',
            flow: [
                node('split', 'n1', { splt: ',' }, [['n2']]),
                node('sort', 'n2', { target: '', targetType: 'seq', seqKey: 'payload', seqKeyType: 'msg' }, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 'b,c,a' }],
        },
        {
            name: 'sequence mode message without parts dropped',
            flow: so({ target: '', targetType: 'seq', seqKey: 'payload', seqKeyType: 'msg' }),
            inputs: [{ payload: 1 }],
        },
    ],
};
