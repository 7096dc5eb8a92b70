'use strict';
// JSONata in the change node (Flowgate issue 4: JSONata everywhere a typed input allows it).
const { single } = require('./_lib');

function ch(rules) { return single('change', { rules: rules }, 1); }
const set = (p, to, extra) => Object.assign({ t: 'set', p: p, pt: 'msg', to: to, tot: 'jsonata' }, extra || {});

module.exports = {
    dir: 'change',
    cases: [
        {
            name: 'jsonata set from payload expression',
            flow: ch([set('payload', 'payload.items[price > 5].name'), set('total', '$sum(payload.items.price)')]),
            inputs: [{ payload: { items: [{ name: 'a', price: 3 }, { name: 'b', price: 7 }, { name: 'c', price: 9 }] } }],
        },
        {
            name: 'jsonata legacy msg form and string functions',
            flow: ch([set('topic', '$uppercase(msg.topic) & "-" & $string(msg.payload)')]),
            inputs: [{ payload: 42, topic: 'abc' }],
        },
        {
            name: 'jsonata context and env functions',
            flow: ch([set('payload', '$flowContext("count") + $globalContext("cfg").step'), set('env', '$env("FG_JSONATA_ENV")')]),
            context: { flow: { count: 5 }, global: { cfg: { step: 2 } } },
            env: { FG_JSONATA_ENV: 'from-env' },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'jsonata undefined result deletes the property',
            flow: ch([set('payload', 'nothing.here')]),
            inputs: [{ payload: 1, topic: 't' }],
        },
        {
            name: 'jsonata evaluation error',
            flow: ch([set('payload', '"a" + 1')]),
            inputs: [{ payload: 1 }],
        },
        {
            name: 'jsonata key order of keys, spread, wildcard and built objects',
            flow: ch([set('keys', '$keys(payload)'), set('spread', '$spread(payload)'), set('values', 'payload.*'),
                set('built', '{"z": 1, "a": payload.a, "10": 0, "2": 0}'), set('merged', '$merge([payload, {"c": 3, "b": 0}])'),
                set('each', '$each(payload, function($v, $k) {$k})')]),
            inputs: [{ payload: { b: 1, name: 'x', a: 2 } }],
        },
    ],
};
