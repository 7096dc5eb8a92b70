'use strict';
const { node, single, helperNode } = require('./_lib');

function ch(rules) { return single('change', { rules: rules }, 1); }
const set = (p, to, tot, extra) => Object.assign({ t: 'set', p: p, pt: 'msg', to: to, tot: tot }, extra || {});

module.exports = {
    dir: 'change',
    cases: [
        {
            name: 'set payload to string',
            flow: ch([set('payload', 'hello', 'str')]),
            inputs: [{ payload: 1, topic: 't' }],
        },
        {
            name: 'set typed values num bool json bin',
            flow: ch([set('a', '42.5', 'num'), set('b', 'true', 'bool'), set('c', 'TRUE', 'bool'), set('d', 'yes', 'bool'),
                set('e', '{"x":[1,"two",null]}', 'json'), set('f', '[1,2,255]', 'bin'), set('g', '', 'num')]),
            inputs: [{ payload: 0 }],
        },
        {
            name: 'set from msg property copies by reference without dc',
            flow: [
                node('change', 'n1', { rules: [set('copy', 'payload', 'msg'), set('payload.x', 'changed', 'str')] }, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: { x: 'orig' } }],
        },
        {
            name: 'set from msg property with deep copy',
            flow: ch([set('copy', 'payload', 'msg', { dc: true }), set('payload.x', 'changed', 'str')]),
            inputs: [{ payload: { x: 'orig' } }],
        },
        {
            name: 'set nested path that does not exist',
            flow: ch([set('payload.a[0].b', 'v', 'str'), set('other["b c"].d', '1', 'num')]),
            inputs: [{ payload: 'scalar' }, { payload: {} }],
        },
        {
            name: 'set nested path creates objects',
            flow: ch([set('payload.a[0].b', 'v', 'str')]),
            inputs: [{ topic: 'no payload' }, { payload: { a: [] } }],
        },
        {
            name: 'set bracket property with space',
            flow: ch([set('payload["b c"]', 'x', 'str'), set("payload['d.e']", 'y', 'str')]),
            inputs: [{ payload: { 'b c': 1 } }],
        },
        {
            name: 'set array index beyond length',
            flow: ch([set('payload[3]', 'x', 'str')]),
            inputs: [{ payload: ['a'] }],
        },
        {
            name: 'set flow and global context',
            flow: ch([{ t: 'set', p: 'f1', pt: 'flow', to: 'payload', tot: 'msg' }, { t: 'set', p: 'g.nested', pt: 'global', to: 'hi', tot: 'str' }]),
            inputs: [{ payload: { v: 1 } }],
        },
        {
            name: 'set msg from flow and global context',
            flow: ch([set('a', 'fv', 'flow'), set('b', 'gv.x', 'global'), set('c', 'missing', 'flow')]),
            context: { flow: { fv: [1, 2] }, global: { gv: { x: 'deep' } } },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'set from env',
            flow: ch([set('payload', 'FG_CHANGE_ENV', 'env'), set('missing', 'FG_CHANGE_NOT_SET', 'env'), set('tmpl', 'pre-${FG_CHANGE_ENV}-post', 'env')]),
            env: { FG_CHANGE_ENV: 'from-env' },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'set date timestamp',
            flow: ch([set('payload', '', 'date')]),
            inputs: [{ payload: 0 }],
            ignore: ['payload'],
        },
        {
            name: 'delete properties',
            flow: ch([{ t: 'delete', p: 'payload.a', pt: 'msg' }, { t: 'delete', p: 'topic', pt: 'msg' }, { t: 'delete', p: 'nope.deeper', pt: 'msg' }]),
            inputs: [{ payload: { a: 1, b: 2 }, topic: 't' }],
        },
        {
            name: 'delete array element splices',
            flow: ch([{ t: 'delete', p: 'payload[1]', pt: 'msg' }]),
            inputs: [{ payload: ['a', 'b', 'c'] }],
        },
        {
            name: 'delete flow context',
            flow: ch([{ t: 'delete', p: 'gone', pt: 'flow' }]),
            context: { flow: { gone: 1, kept: 2 } },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'move property',
            flow: ch([{ t: 'move', p: 'payload', pt: 'msg', to: 'data', tot: 'msg' }]),
            inputs: [{ payload: { a: 1 }, topic: 't' }],
        },
        {
            name: 'move from child to parent',
            flow: ch([{ t: 'move', p: 'payload.inner', pt: 'msg', to: 'payload', tot: 'msg' }]),
            inputs: [{ payload: { inner: { x: 1 }, other: 2 } }],
        },
        {
            name: 'move to flow context',
            flow: ch([{ t: 'move', p: 'payload', pt: 'msg', to: 'stash', tot: 'flow' }]),
            inputs: [{ payload: 'val', topic: 't' }],
        },
        {
            name: 'change string replace all occurrences',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: 'a.b', fromt: 'str', to: 'X', tot: 'str' }]),
            inputs: [{ payload: 'a.b a.b axb' }, { payload: 5 }],
        },
        {
            name: 'change regex with capture groups',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: '(\\w+)@(\\w+)', fromt: 're', to: '$2 at $1', tot: 'str' }]),
            inputs: [{ payload: 'joe@example and ann@test' }],
        },
        {
            name: 'change nested path',
            flow: ch([{ t: 'change', p: 'payload.a.b', pt: 'msg', from: 'old', fromt: 'str', to: 'new', tot: 'str' }]),
            inputs: [{ payload: { a: { b: 'old and old' } } }, { payload: { a: {} } }],
        },
        {
            name: 'change number exact match',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: '5', fromt: 'num', to: 'five', tot: 'str' }]),
            inputs: [{ payload: 5 }, { payload: '5' }, { payload: '15' }, { payload: 6 }],
        },
        {
            name: 'change whole string to bool',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: 'yes', fromt: 'str', to: 'true', tot: 'bool' }]),
            inputs: [{ payload: 'yes' }, { payload: 'yes yes' }],
        },
        {
            name: 'change bool from bool',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: 'true', fromt: 'bool', to: 'on', tot: 'str' }]),
            inputs: [{ payload: true }, { payload: 'true' }, { payload: false }],
        },
        {
            name: 'change with replacement to num inside string',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: 'x', fromt: 'str', to: '7', tot: 'num' }]),
            inputs: [{ payload: 'x' }, { payload: 'axb' }],
        },
        {
            name: 'change from msg property value',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: 'search', fromt: 'msg', to: 'replace', tot: 'msg' }]),
            inputs: [{ payload: 'a+b a+b', search: 'a+b', replace: 'c' }],
        },
        {
            name: 'change flow context string',
            flow: ch([{ t: 'change', p: 'greeting', pt: 'flow', from: 'world', fromt: 'str', to: 'there', tot: 'str' }]),
            context: { flow: { greeting: 'hello world' } },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'invalid regex reports error at start',
            flow: ch([{ t: 'change', p: 'payload', pt: 'msg', from: '([', fromt: 're', to: 'x', tot: 'str' }]),
            inputs: [{ payload: 'abc' }],
        },
        {
            name: 'set invalid json reports error at start',
            flow: ch([set('payload', '{bad', 'json')]),
            inputs: [{ payload: 'abc' }],
        },
        {
            name: 'rules applied in order',
            flow: ch([set('payload', 'a', 'str'), { t: 'change', p: 'payload', pt: 'msg', from: 'a', fromt: 'str', to: 'b', tot: 'str' }, set('copy', 'payload', 'msg'), { t: 'delete', p: 'payload', pt: 'msg' }]),
            inputs: [{ payload: 'z' }],
        },
        {
            name: 'set json array of objects and buffer payload',
            flow: ch([set('payload', '[{"a":1},{"b":[true,false]}]', 'json')]),
            inputs: [{ payload: Buffer.from('x') }],
        },
        {
            name: 'set property on a string payload fails silently',
            flow: ch([set('payload.a', 'x', 'str')]),
            inputs: [{ payload: 'str' }, { payload: 5 }],
        },
        {
            name: 'key order kept by set, move and delete',
            flow: ch([set('payload.c', '3', 'num'), set('payload.a', 'x', 'str'), set('obj', '{"z":1,"y":{"b":1,"a":2},"1":0}', 'json'),
                { t: 'move', p: 'payload.b', pt: 'msg', to: 'payload.m', tot: 'msg' }, { t: 'delete', p: 'obj.z', pt: 'msg' }, set('obj.z', 'again', 'str')]),
            inputs: [{ payload: { b: 1, a: 2 } }],
        },
    ],
};
