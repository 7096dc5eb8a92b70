'use strict';
// The sort node with a JSONata key.
const { single } = require('./_lib');

module.exports = {
    dir: 'sort',
    cases: [
        {
            name: 'sort property by jsonata key',
            flow: single('sort', { target: 'payload', targetType: 'msg', msgKey: 'age', msgKeyType: 'jsonata' }, 1),
            inputs: [{ payload: [{ n: 'a', age: 30 }, { n: 'b', age: 20 }, { n: 'c', age: 25 }] }],
        },
        {
            name: 'sort sequence by jsonata key descending',
            flow: single('sort', { targetType: 'seq', seqKey: 'payload.v', seqKeyType: 'jsonata', order: 'descending' }, 1),
            inputs: [{ payload: { v: 1 }, parts: { id: 's', index: 0, count: 3 } }, { payload: { v: 3 }, parts: { id: 's', index: 1, count: 3 } }, { payload: { v: 2 }, parts: { id: 's', index: 2, count: 3 } }],
        },
    ],
};
