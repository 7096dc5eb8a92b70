'use strict';
const { single } = require('./_lib');
function js(extra) { return single('json', extra || {}, 1); }

module.exports = {
    dir: 'json',
    cases: [
        { name: 'object to string', flow: js(), inputs: [{ payload: { a: 1, b: [true, null, 'x'], c: { d: 1.5 } } }, { payload: [1, 2] }] },
        { name: 'string to object', flow: js(), inputs: [{ payload: '{"a":1,"b":[true,null]}' }, { payload: '[1,"2"]' }, { payload: '"str"' }, { payload: '42' }, { payload: 'true' }, { payload: 'null' }] },
        { name: 'pretty output', flow: js({ pretty: true }), inputs: [{ payload: { a: 1, b: [1, 2], c: {} } }] },
        { name: 'object to string keeps key order', flow: js(), inputs: [{ payload: { z: 1, a: { y: 2, b: [{ d: 1, c: 2 }] }, '10': 3, '2': 4 } }] },
        { name: 'string to object keeps key order', flow: js(), inputs: [{ payload: '{"z":1,"a":{"y":2,"b":3},"10":3,"2":4}' }] },
        { name: 'pretty ignored when parsing', flow: js({ pretty: true }), inputs: [{ payload: '{"a":1}' }] },
        { name: 'invalid json string error', flow: js(), inputs: [{ payload: '{"a":1' }, { payload: 'not json' }, { payload: '' }, { payload: "{'a':1}" }] },
        { name: 'number and boolean payload stringified', flow: js(), inputs: [{ payload: 42 }, { payload: true }] },
        { name: 'missing property passes through', flow: js(), inputs: [{ topic: 'no payload' }] },
        { name: 'action forced str on string', flow: js({ action: 'str' }), inputs: [{ payload: '{"a":1}' }, { payload: { a: 1 } }] },
        { name: 'action forced str pretty', flow: js({ action: 'str', pretty: true }), inputs: [{ payload: { a: [1] } }] },
        { name: 'action forced obj on object', flow: js({ action: 'obj' }), inputs: [{ payload: { a: 1 } }, { payload: '{"b":2}' }] },
        { name: 'action obj on number passes through', flow: js({ action: 'obj' }), inputs: [{ payload: 5 }] },
        { name: 'other property', flow: js({ property: 'data.raw' }), inputs: [{ payload: 'keep', data: { raw: '{"x":true}' } }] },
        { name: 'buffer payload parsed', flow: js(), inputs: [{ payload: Buffer.from('{"buf":1}') }] },
        { name: 'buffer in object stringified', flow: js(), inputs: [{ payload: { b: Buffer.from([1, 2]) } }] },
        { name: 'schema valid string parsed', flow: js(), inputs: [{ payload: '{"a":1}', schema: { type: 'object', properties: { a: { type: 'number' } } } }, { payload: '{"a":2}', schema: { type: 'object', properties: { a: { type: 'number' } } } }] },
        { name: 'schema errors', flow: js(), inputs: [{ payload: '{"a":"x","c":[1,2,1],"d":1}', schema: { type: 'object', required: ['b'], properties: { a: { type: 'number', minimum: 3 }, c: { type: 'array', uniqueItems: true, maxItems: 2 } }, additionalProperties: false } }] },
        { name: 'schema on object to string', flow: js(), inputs: [{ payload: { n: 5 }, schema: { properties: { n: { maximum: 3 } } } }, { payload: { n: 1 }, schema: { properties: { n: { maximum: 3 } } } }] },
        { name: 'schema with action obj and str', flow: js({ action: 'obj' }), inputs: [{ payload: { n: 'x' }, schema: { properties: { n: { enum: [1, 2] } } } }, { payload: [1], schema: { type: 'array', items: { type: 'number' } } }] },
        { name: 'schema with forced str on string', flow: js({ action: 'str' }), inputs: [{ payload: '{"n":"x"}', schema: { properties: { n: { type: 'number' } } } }, { payload: '{"n":1}', schema: { properties: { n: { type: 'number' } } } }] },
        { name: 'schema that does not compile', flow: js(), inputs: [{ payload: '{"a":1}', schema: { type: 'object', foo: 1 } }, { payload: '{"a":1}', schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } }] },
        { name: 'schema without property passes through', flow: js(), inputs: [{ topic: 't', schema: { type: 'string' } }] },
        { name: 'unicode and escapes', flow: js(), inputs: [{ payload: { s: 'é\n"\u2028<>&' } }, { payload: '{"s":"\\u00e9\\n"}' }] },
    ],
};
