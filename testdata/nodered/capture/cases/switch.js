'use strict';
const { node, single, helperNode } = require('./_lib');

function sw(rules, extra) {
    return single('switch', Object.assign({ rules: rules, outputs: rules.length }, extra || {}), rules.length);
}

module.exports = {
    dir: 'switch',
    cases: [
        {
            name: 'eq loose equality num rule vs string payload',
            flow: sw([{ t: 'eq', v: '5', vt: 'num' }, { t: 'else' }]),
            inputs: [{ payload: '5', topic: 'a' }, { payload: 5 }, { payload: '5.0' }, { payload: 6 }, { payload: '' }],
        },
        {
            name: 'eq str rule vs number payload',
            flow: sw([{ t: 'eq', v: '5', vt: 'str' }, { t: 'eq', v: '05', vt: 'str' }]),
            inputs: [{ payload: 5 }, { payload: '5' }, { payload: '05' }],
        },
        {
            name: 'eq boolean and empty string rule',
            flow: sw([{ t: 'eq', v: 'true', vt: 'str' }, { t: 'eq', v: '', vt: 'str' }, { t: 'eq', v: '0', vt: 'num' }]),
            inputs: [{ payload: true }, { payload: 'true' }, { payload: 0 }, { payload: false }, { payload: '' }, { payload: null }],
        },
        {
            name: 'neq',
            flow: sw([{ t: 'neq', v: '5', vt: 'num' }]),
            inputs: [{ payload: '5' }, { payload: 4 }, { payload: 'x' }],
        },
        {
            name: 'lt lte gt gte numbers',
            flow: sw([{ t: 'lt', v: '10', vt: 'num' }, { t: 'lte', v: '10', vt: 'num' }, { t: 'gt', v: '10', vt: 'num' }, { t: 'gte', v: '10', vt: 'num' }]),
            inputs: [{ payload: 9 }, { payload: 10 }, { payload: 11 }, { payload: '9' }, { payload: 'abc' }],
        },
        {
            name: 'lt with string rule compares lexically',
            flow: sw([{ t: 'lt', v: '10', vt: 'str' }, { t: 'gt', v: 'b', vt: 'str' }]),
            inputs: [{ payload: '9' }, { payload: 9 }, { payload: '100' }, { payload: 'c' }],
        },
        {
            name: 'btwn inclusive and reversed bounds',
            flow: sw([{ t: 'btwn', v: '1', vt: 'num', v2: '5', v2t: 'num' }, { t: 'btwn', v: '10', vt: 'num', v2: '3', v2t: 'num' }]),
            inputs: [{ payload: 1 }, { payload: 5 }, { payload: 0 }, { payload: '4' }, { payload: 7 }, { payload: 11 }],
        },
        {
            name: 'cont substring',
            flow: sw([{ t: 'cont', v: 'ell', vt: 'str' }, { t: 'cont', v: '2', vt: 'num' }]),
            inputs: [{ payload: 'hello' }, { payload: 123 }, { payload: ['ell'] }, { payload: { a: 'ell' } }, { payload: 'HELLO' }],
        },
        {
            name: 'regex case sensitive and insensitive',
            flow: sw([{ t: 'regex', v: '^ab+c$', vt: 'str', case: false }, { t: 'regex', v: '^ab+c$', vt: 'str', case: true }]),
            inputs: [{ payload: 'abbc' }, { payload: 'ABBC' }, { payload: 'xabc' }, { payload: 123 }],
        },
        {
            name: 'regex invalid pattern errors',
            flow: sw([{ t: 'regex', v: '([a-z', vt: 'str', case: false }, { t: 'else' }]),
            inputs: [{ payload: 'abc' }],
        },
        {
            name: 'true false null nnull',
            flow: sw([{ t: 'true' }, { t: 'false' }, { t: 'null' }, { t: 'nnull' }]),
            inputs: [{ payload: true }, { payload: false }, { payload: null }, { topic: 'no payload' }, { payload: 'true' }, { payload: 0 }],
        },
        {
            name: 'istype each type',
            flow: sw([
                { t: 'istype', v: 'string', vt: 'string' },
                { t: 'istype', v: 'number', vt: 'number' },
                { t: 'istype', v: 'boolean', vt: 'boolean' },
                { t: 'istype', v: 'array', vt: 'array' },
                { t: 'istype', v: 'buffer', vt: 'buffer' },
                { t: 'istype', v: 'object', vt: 'object' },
                { t: 'istype', v: 'json', vt: 'json' },
                { t: 'istype', v: 'null', vt: 'null' },
                { t: 'istype', v: 'undefined', vt: 'undefined' },
            ]),
            inputs: [
                { payload: 'str' }, { payload: '{"a":1}' }, { payload: 42 }, { payload: true }, { payload: [1, 2] },
                { payload: Buffer.from('hi') }, { payload: { a: 1 } }, { payload: null }, { topic: 'undefined payload' },
            ],
        },
        {
            name: 'empty and nempty',
            flow: sw([{ t: 'empty' }, { t: 'nempty' }]),
            inputs: [{ payload: '' }, { payload: 'x' }, { payload: [] }, { payload: [0] }, { payload: {} }, { payload: { a: 1 } },
                { payload: Buffer.alloc(0) }, { payload: 0 }, { payload: null }, { topic: 'none' }],
        },
        {
            name: 'hask has key',
            flow: sw([{ t: 'hask', v: 'a', vt: 'str' }, { t: 'hask', v: '0', vt: 'str' }]),
            inputs: [{ payload: { a: 1 } }, { payload: { b: 1 } }, { payload: ['x'] }, { payload: 'str' }, { payload: null }],
        },
        {
            name: 'checkall true sends to every matching output',
            flow: sw([{ t: 'gt', v: '1', vt: 'num' }, { t: 'gt', v: '2', vt: 'num' }, { t: 'else' }], { checkall: 'true' }),
            inputs: [{ payload: 3 }, { payload: 2 }, { payload: 0 }],
        },
        {
            name: 'checkall false stops at first match',
            flow: sw([{ t: 'gt', v: '1', vt: 'num' }, { t: 'gt', v: '2', vt: 'num' }, { t: 'else' }], { checkall: 'false' }),
            inputs: [{ payload: 3 }, { payload: 2 }, { payload: 0 }],
        },
        {
            name: 'else only when nothing before matched',
            flow: sw([{ t: 'eq', v: 'a', vt: 'str' }, { t: 'else' }, { t: 'eq', v: 'b', vt: 'str' }, { t: 'else' }]),
            inputs: [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }],
        },
        {
            name: 'no match sends nothing',
            flow: sw([{ t: 'eq', v: 'a', vt: 'str' }]),
            inputs: [{ payload: 'z' }, { payload: 'a' }],
        },
        {
            name: 'previous value',
            flow: sw([{ t: 'gt', v: '', vt: 'prev' }, { t: 'eq', v: '', vt: 'prev' }, { t: 'lt', v: '', vt: 'prev' }]),
            inputs: [{ payload: 5 }, { payload: 7 }, { payload: 7 }, { payload: 3 }],
        },
        {
            name: 'btwn with prev as upper bound',
            flow: sw([{ t: 'btwn', v: '0', vt: 'num', v2: '', v2t: 'prev' }]),
            inputs: [{ payload: 5 }, { payload: 3 }, { payload: 4 }],
        },
        {
            name: 'rule value from msg property',
            flow: sw([{ t: 'eq', v: 'topic', vt: 'msg' }, { t: 'gt', v: 'limit', vt: 'msg' }]),
            inputs: [{ payload: 'x', topic: 'x' }, { payload: 'x', topic: 'y' }, { payload: 10, limit: 5 }, { payload: 10, limit: '50' }],
        },
        {
            name: 'rule value from flow and global context',
            flow: sw([{ t: 'eq', v: 'wanted', vt: 'flow' }, { t: 'gte', v: 'threshold', vt: 'global' }]),
            context: { flow: { wanted: 'yes' }, global: { threshold: 10 } },
            inputs: [{ payload: 'yes' }, { payload: 10 }, { payload: 9 }],
        },
        {
            name: 'property from flow context',
            flow: sw([{ t: 'eq', v: 'on', vt: 'str' }, { t: 'else' }], { property: 'state', propertyType: 'flow' }),
            context: { flow: { state: 'on' } },
            inputs: [{ payload: 1 }],
        },
        {
            name: 'nested property path',
            flow: sw([{ t: 'eq', v: '1', vt: 'num' }, { t: 'null' }], { property: 'payload.a["b c"][0]' }),
            inputs: [{ payload: { a: { 'b c': [1] } } }, { payload: { a: {} } }, { payload: 'x' }],
        },
        {
            name: 'env rule value',
            flow: sw([{ t: 'eq', v: 'FG_SWITCH_ENV', vt: 'env' }]),
            env: { FG_SWITCH_ENV: 'hello' },
            inputs: [{ payload: 'hello' }, { payload: 'FG_SWITCH_ENV' }],
        },
        {
            name: 'head tail index on a split sequence',
            flow: [
                node('split', 'n1', { splt: ',', spltType: 'str' }, [['n2']]),
                node('switch', 'n2', {
                    rules: [{ t: 'head', v: '2', vt: 'num' }, { t: 'tail', v: '1', vt: 'num' }, { t: 'index', v: '1', vt: 'num', v2: '2', v2t: 'num' }],
                    outputs: 3,
                }, [['out0'], ['out1'], ['out2']]),
                helperNode('out0'), helperNode('out1'), helperNode('out2'),
            ],
            inputs: [{ payload: 'a,b,c,d' }],
        },
        {
            name: 'repair sequences rewrites parts',
            flow: [
                node('split', 'n1', { splt: ',', spltType: 'str' }, [['n2']]),
                node('switch', 'n2', { rules: [{ t: 'neq', v: 'b', vt: 'str' }, { t: 'eq', v: 'b', vt: 'str' }], outputs: 2, repair: true }, [['out0'], ['out1']]),
                helperNode('out0'), helperNode('out1'),
            ],
            inputs: [{ payload: 'a,b,c' }],
        },
        {
            name: 'zero rules sends nothing',
            flow: single('switch', { rules: [], outputs: 1 }, 1),
            inputs: [{ payload: 1 }],
        },
        {
            name: 'eq num rule on non numeric rule value string',
            flow: sw([{ t: 'eq', v: 'abc', vt: 'num' }]),
            inputs: [{ payload: 'abc' }, { payload: NaN }],
            note: 'vt num with a non-numeric v keeps v as the string',
        },
        {
            name: 'eq array and object payload stringifies',
            flow: sw([{ t: 'eq', v: '1,2', vt: 'str' }, { t: 'eq', v: '[object Object]', vt: 'str' }, { t: 'eq', v: '1', vt: 'num' }]),
            inputs: [{ payload: [1, 2] }, { payload: { a: 1 } }, { payload: [1] }, { payload: true }],
        },
    ],
};
