'use strict';
const { single } = require('./_lib');

function tp(template, extra) { return single('template', Object.assign({ template: template }, extra || {}), 1); }

module.exports = {
    dir: 'template',
    cases: [
        {
            name: 'mustache payload',
            flow: tp('This is the payload: {{payload}} !'),
            inputs: [{ payload: 'hi', topic: 't' }, { payload: 42 }, { topic: 'no payload' }],
        },
        {
            name: 'html escaping double vs triple braces',
            flow: tp('[{{payload}}] [{{{payload}}}] [{{&payload}}]'),
            inputs: [{ payload: '& < > " \' / ` =' }],
        },
        {
            name: 'nested property',
            flow: tp('{{payload.a.b}}|{{payload.arr.1}}|{{payload.missing.x}}|{{topic}}'),
            inputs: [{ payload: { a: { b: 'deep' }, arr: ['x', 'y'] }, topic: 'T' }],
        },
        {
            name: 'object and array rendering',
            flow: tp('obj={{payload.o}} arr={{payload.a}} num={{payload.n}} bool={{payload.b}} nul={{payload.z}}'),
            inputs: [{ payload: { o: { x: 1 }, a: [1, 'two', 3], n: 1.5, b: false, z: null } }],
        },
        {
            name: 'sections and inverted sections',
            flow: tp('{{#payload.items}}<{{name}}>{{/payload.items}}{{^payload.none}}empty{{/payload.none}}{{#payload.flag}}yes{{/payload.flag}}'),
            inputs: [{ payload: { items: [{ name: 'a' }, { name: 'b' }], none: [], flag: true } }],
        },
        {
            name: 'section over array of scalars with dot',
            flow: tp('{{#payload}}[{{.}}]{{/payload}}'),
            inputs: [{ payload: ['a', 'b', '<c>'] }],
        },
        {
            name: 'output parsed json',
            flow: tp('{"value": "{{payload}}", "n": {{num}} }', { output: 'json' }),
            inputs: [{ payload: 'line1\nline2 "q"', num: 3 }],
        },
        {
            name: 'output json invalid errors',
            flow: tp('{"value": {{payload}} }', { output: 'json' }),
            inputs: [{ payload: 'not json' }],
        },
        {
            name: 'output parsed yaml',
            flow: tp('a: {{payload}}\nlist:\n  - 1\n  - two\n', { output: 'yaml' }),
            inputs: [{ payload: 'hello' }],
        },
        {
            name: 'field other than payload',
            flow: tp('Hi {{payload}}', { field: 'result.text' }),
            inputs: [{ payload: 'bob' }],
        },
        {
            name: 'field into flow context',
            flow: tp('Hi {{payload}}', { field: 'greeting', fieldType: 'flow' }),
            inputs: [{ payload: 'bob' }],
        },
        {
            name: 'plain syntax leaves braces',
            flow: tp('raw {{payload}} text', { syntax: 'plain' }),
            inputs: [{ payload: 'x' }],
        },
        {
            name: 'flow and global context in mustache',
            flow: tp('f={{flow.name}} g={{global.cfg.port}} missing=[{{flow.nope}}]'),
            context: { flow: { name: 'flowy' }, global: { cfg: { port: 1880 } } },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'env in mustache',
            flow: tp('env={{env.FG_TEMPLATE_ENV}} none=[{{env.FG_TEMPLATE_NOT_SET}}]'),
            env: { FG_TEMPLATE_ENV: 'envval' },
            inputs: [{ payload: 0 }],
        },
        {
            name: 'msg.template used when node template empty',
            flow: tp(''),
            inputs: [{ payload: 'P', template: 'from msg: {{payload}}' }],
        },
        {
            name: 'node template wins over msg.template',
            flow: tp('node: {{payload}}'),
            inputs: [{ payload: 'P', template: 'from msg: {{payload}}' }],
        },
        {
            name: 'mustache escaping of markup',
            flow: tp('<p>{{payload}}</p>'),
            inputs: [{ payload: '<b>bold</b> & "quotes"' }],
        },
        {
            name: 'unclosed section error',
            flow: tp('{{#payload}}never closed'),
            inputs: [{ payload: true }],
        },
        {
            name: 'buffer payload renders',
            flow: tp('{{payload}}'),
            inputs: [{ payload: Buffer.from('AB') }],
        },
        {
            name: 'json output keeps key order',
            flow: tp('{"z": "{{payload.name}}", "a": {{payload.n}}, "m": {"y": 1, "x": 2}, "1": 0}', { output: 'json' }),
            inputs: [{ payload: { name: 'bob', n: 42 } }],
        },
    ],
};
