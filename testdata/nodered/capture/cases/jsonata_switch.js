'use strict';
// JSONata in the switch node: the property, rule values and jsonata_exp rules.
const { single } = require('./_lib');

module.exports = {
    dir: 'switch',
    cases: [
        {
            name: 'jsonata property',
            flow: single('switch', { property: 'payload.a + payload.b', propertyType: 'jsonata', rules: [{ t: 'gt', v: '10', vt: 'num' }, { t: 'else' }], outputs: 2 }, 2),
            inputs: [{ payload: { a: 4, b: 9 } }, { payload: { a: 1, b: 2 } }],
        },
        {
            name: 'jsonata_exp rule',
            flow: single('switch', { rules: [{ t: 'jsonata_exp', v: 'payload.temp > 30 and topic = "room"', vt: 'jsonata' }, { t: 'else' }], outputs: 2 }, 2),
            inputs: [{ payload: { temp: 35 }, topic: 'room' }, { payload: { temp: 35 }, topic: 'hall' }],
        },
        {
            name: 'jsonata rule value',
            flow: single('switch', { rules: [{ t: 'eq', v: '$lowercase(topic)', vt: 'jsonata' }], outputs: 1 }, 1),
            inputs: [{ payload: 'abc', topic: 'ABC' }, { payload: 'x', topic: 'Y' }],
        },
        {
            name: 'jsonata_exp rule with sequence index',
            flow: single('switch', { rules: [{ t: 'jsonata_exp', v: '$I = $N - 1', vt: 'jsonata' }], outputs: 1 }, 1),
            inputs: [{ payload: 'a', parts: { id: 'p', index: 0, count: 2 } }, { payload: 'b', parts: { id: 'p', index: 1, count: 2 } }],
        },
    ],
};
