'use strict';
const { single } = require('./_lib');

function sp(extra) { return single('split', extra || {}, 1); }

module.exports = {
    dir: 'split',
    cases: [
        {
            name: 'string on newline default',
            flow: sp(),
            inputs: [{ payload: 'a\nb\nc', topic: 't' }],
        },
        {
            name: 'string trailing separator gives empty last part',
            flow: sp(),
            inputs: [{ payload: 'a\nb\n' }],
        },
        {
            name: 'string custom separator',
            flow: sp({ splt: ', ' }),
            inputs: [{ payload: 'x, y,z, ' }],
        },
        {
            name: 'string tab separator escape',
            flow: sp({ splt: '\\t' }),
            inputs: [{ payload: 'a\tb' }],
        },
        {
            name: 'string without separator gives single part',
            flow: sp({ splt: ',' }),
            inputs: [{ payload: 'abc' }],
        },
        {
            name: 'string fixed length chunks',
            flow: sp({ splt: '3', spltType: 'len' }),
            inputs: [{ payload: 'abcdefgh' }],
        },
        {
            name: 'string binary separator',
            flow: sp({ splt: '[44]', spltType: 'bin' }),
            inputs: [{ payload: 'a,b' }],
        },
        {
            name: 'array one element each',
            flow: sp(),
            inputs: [{ payload: [1, 'two', { three: 3 }] }],
        },
        {
            name: 'array chunks of two',
            flow: sp({ arraySplt: 2 }),
            inputs: [{ payload: [1, 2, 3, 4, 5] }],
        },
        {
            name: 'object split',
            flow: sp(),
            inputs: [{ payload: { a: 1, b: 'x', c: [1] } }],
        },
        {
            name: 'object split in key order',
            flow: sp(),
            inputs: [{ payload: { Orange: 1, Banana: 2, '7': 3, Apple: { z: 1, a: 2 } } }],
        },
        {
            name: 'object split with addname',
            flow: sp({ addname: 'topic' }),
            inputs: [{ payload: { a: 1, b: 2 }, topic: 'orig' }],
        },
        {
            name: 'buffer split by string separator',
            flow: sp({ splt: ',' }),
            inputs: [{ payload: Buffer.from('ab,cd,e') }],
        },
        {
            name: 'buffer split fixed length',
            flow: sp({ splt: '2', spltType: 'len' }),
            inputs: [{ payload: Buffer.from([1, 2, 3, 4, 5]) }],
        },
        {
            name: 'buffer split binary separator',
            flow: sp({ splt: '[0]', spltType: 'bin' }),
            inputs: [{ payload: Buffer.from([1, 0, 2, 3, 0, 4]) }],
        },
        {
            name: 'stream mode string keeps remainder',
            flow: sp({ stream: true }),
            inputs: [{ payload: 'a\nb' }, { payload: 'c\nd\n' }, { payload: 'e' }],
        },
        {
            name: 'stream mode fixed length',
            flow: sp({ stream: true, splt: '2', spltType: 'len' }),
            inputs: [{ payload: 'abc' }, { payload: 'de' }],
        },
        {
            name: 'non splittable payload is dropped',
            flow: sp(),
            inputs: [{ payload: 42 }, { payload: true }, { topic: 'no payload' }],
        },
        {
            name: 'existing parts are nested',
            flow: sp({ splt: ',' }),
            inputs: [{ payload: 'a,b', parts: { id: 'outer', index: 3, count: 5, type: 'array', len: 1 } }],
        },
        {
            name: 'split other property',
            flow: sp({ property: 'data', splt: ',' }),
            inputs: [{ payload: 'keep', data: 'p,q' }],
        },
        {
            name: 'empty string and empty array',
            flow: sp(),
            inputs: [{ payload: '' }, { payload: [] }, { payload: {} }],
        },
    ],
};
