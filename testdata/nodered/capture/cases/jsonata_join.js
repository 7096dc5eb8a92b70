'use strict';
// The join node's reduce mode ($A accumulator, $I index, $N count).
const { single } = require('./_lib');

const reduce = (extra) => Object.assign({ mode: 'reduce', reduceExp: '$A + payload', reduceInit: '0', reduceInitType: 'num', reduceFixup: '' }, extra);
const seq = (values, id) => values.map((v, i) => ({ payload: v, parts: { id: id || 'r1', index: i, count: values.length } }));

module.exports = {
    dir: 'join',
    cases: [
        {
            name: 'reduce sums a sequence',
            flow: single('join', reduce({}), 1),
            inputs: seq([1, 2, 3, 4]),
        },
        {
            name: 'reduce with fixup average',
            flow: single('join', reduce({ reduceFixup: '$A / $N' }), 1),
            inputs: seq([2, 4, 9]),
        },
        {
            name: 'reduce right builds string in reverse',
            flow: single('join', reduce({ reduceExp: '$A & payload & $string($I)', reduceInit: '', reduceInitType: 'str', reduceRight: true }), 1),
            inputs: seq(['a', 'b', 'c']),
        },
        {
            name: 'reduce with jsonata initial value',
            flow: single('join', reduce({ reduceExp: '$append($A, payload * 10)', reduceInit: '[]', reduceInitType: 'jsonata' }), 1),
            inputs: seq([1, 2]),
        },
        {
            name: 'reduce with missing flow context key',
            flow: single('join', reduce({ reduceExp: '$A + payload * $flowContext("missing")' }), 1),
            inputs: seq([1, 2]),
        },
        {
            name: 'reduce passes messages without parts',
            flow: single('join', reduce({}), 1),
            inputs: [{ payload: 5, topic: 'no parts' }],
        },
    ],
};
