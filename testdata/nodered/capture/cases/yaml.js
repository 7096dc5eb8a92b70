'use strict';
const { single } = require('./_lib');
function ym(extra) { return single('yaml', extra || {}, 1); }

module.exports = {
    dir: 'yaml',
    cases: [
        { name: 'yaml string to object', flow: ym(), inputs: [{ payload: 'a: 1\nb:\n  - x\n  - true\nc: null\nd: "5"\ne: 1.5\n' }] },
        { name: 'object to yaml string', flow: ym(), inputs: [{ payload: { a: 1, b: ['x', true], c: null, d: '5', e: { f: 'multi\nline' } } }] },
        { name: 'array to yaml', flow: ym(), inputs: [{ payload: [1, 'two', { three: 3 }] }] },
        { name: 'object to yaml keeps key order', flow: ym(), inputs: [{ payload: { z: 1, a: { y: 2, b: [{ d: 1, c: 2 }] }, '2': 4 } }] },
        { name: 'yaml to object keeps key order', flow: ym(), inputs: [{ payload: 'z: 1\na:\n  y: 2\n  b: [x]\n10: t\n2: u\nbase: &b {q: 1, c: 2}\nm:\n  k: 0\n  <<: *b\n  q: 7\n' }] },
        { name: 'scalar yaml string', flow: ym(), inputs: [{ payload: 'just a string' }, { payload: '42' }] },
        { name: 'invalid yaml error', flow: ym(), inputs: [{ payload: 'a: [1, 2\nb: c' }, { payload: 'key: value\n  bad: indent' }] },
        { name: 'number payload dropped', flow: ym(), inputs: [{ payload: 5 }, { payload: true }] },
        { name: 'other property', flow: ym({ property: 'data' }), inputs: [{ payload: 'keep', data: 'x: 1' }] },
        { name: 'buffer payload', flow: ym(), inputs: [{ payload: Buffer.from('a: 1') }] },
    ],
};
