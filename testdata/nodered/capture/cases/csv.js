'use strict';
const { single } = require('./_lib');
function cv(extra) { return single('csv', extra || {}, 1); }
const legacy = extra => Object.assign({ spec: '' }, extra);

module.exports = {
    dir: 'csv',
    cases: [
        { name: 'rfc csv to object with column template', flow: cv({ temp: 'a,b,c' }), inputs: [{ payload: '1,hello,3.5' }] },
        { name: 'rfc no template gives col names', flow: cv(), inputs: [{ payload: '1,2,x' }] },
        { name: 'rfc header row', flow: cv({ hdrin: true }), inputs: [{ payload: 'name,age\r\nbob,42\r\nann,7\r\n' }] },
        { name: 'rfc header row multi array', flow: cv({ hdrin: true, multi: 'mult' }), inputs: [{ payload: 'name,age\nbob,42\nann,7\n' }] },
        { name: 'rfc numbers not parsed when strings false', flow: cv({ hdrin: true, strings: false }), inputs: [{ payload: 'a,b,c\n1,2.5,-3\n' }] },
        { name: 'rfc number parsing edge cases', flow: cv({ temp: 'a,b,c,d,e,f,g' }), inputs: [{ payload: '007,1e3,-0.5, 12 ,0x10,1.,.5' }] },
        { name: 'rfc quoted fields', flow: cv({ temp: 'a,b,c' }), inputs: [{ payload: '"x, y","he said ""hi""","line1\nline2"' }] },
        { name: 'rfc empty and missing fields', flow: cv({ temp: 'a,b,c' }), inputs: [{ payload: '1,,3' }, { payload: '1' }] },
        { name: 'rfc include empty strings and null values', flow: cv({ temp: 'a,b,c', include_empty_strings: true, include_null_values: true }), inputs: [{ payload: '1,,' }, { payload: '1,"",3' }] },
        { name: 'rfc custom separator semicolon', flow: cv({ sep: ';', temp: 'a,b' }), inputs: [{ payload: '1;x,y' }] },
        { name: 'rfc tab separator', flow: cv({ sep: '\\t', hdrin: true }), inputs: [{ payload: 'a\tb\n1\t2\n' }] },
        { name: 'rfc skip lines', flow: cv({ skip: '1', hdrin: true }), inputs: [{ payload: 'junk line\na,b\n1,2\n' }] },
        { name: 'rfc object to csv no header', flow: cv({ temp: 'a,b' }), inputs: [{ payload: { a: 1, b: 'x,y' } }, { payload: { b: 'q"uote', a: null } }] },
        { name: 'rfc object to csv header all', flow: cv({ temp: 'a,b', hdrout: 'all' }), inputs: [{ payload: { a: 1, b: 2 } }, { payload: { a: 3, b: 4 } }] },
        { name: 'rfc object to csv header once', flow: cv({ temp: 'a,b', hdrout: 'once' }), inputs: [{ payload: { a: 1, b: 2 } }, { payload: { a: 3, b: 4 } }] },
        { name: 'rfc object to csv header once then reset', flow: cv({ temp: 'a,b', hdrout: 'once' }), inputs: [{ payload: { a: 1, b: 2 } }, { reset: true }, { payload: { a: 3, b: 4 } }] },
        { name: 'rfc array of objects no template', flow: cv({ hdrout: 'all' }), inputs: [{ payload: [{ x: 1, y: 2 }, { x: 3, z: 'new' }] }] },
        { name: 'rfc array of arrays', flow: cv(), inputs: [{ payload: [[1, 'a b', 'c,d'], [2, true, null]] }] },
        { name: 'rfc lf line ending', flow: cv({ temp: 'a,b', ret: '\\n' }), inputs: [{ payload: [{ a: 1, b: 2 }, { a: 3, b: 4 }] }] },
        { name: 'rfc columns property from msg', flow: cv({ hdrout: 'all' }), inputs: [{ payload: [{ a: 1, b: 2, c: 3 }], columns: 'c,a' }] },
        { name: 'rfc parsed output has columns', flow: cv({ hdrin: true, multi: 'mult' }), inputs: [{ payload: 'x,y\n1,2\n' }] },
        { name: 'rfc unbalanced quote error', flow: cv({ temp: 'a,b' }), inputs: [{ payload: '"abc,1' }] },
        { name: 'rfc number payload', flow: cv(), inputs: [{ payload: 5 }, { topic: 'no payload' }] },
        { name: 'legacy csv to object header row', flow: cv(legacy({ hdrin: true })), inputs: [{ payload: 'name,age\nbob,42\nann,7\n' }] },
        { name: 'legacy quoted fields', flow: cv(legacy({ temp: 'a,b,c' })), inputs: [{ payload: '"x, y","he said ""hi""",3' }] },
        { name: 'legacy object to csv header all', flow: cv(legacy({ temp: 'a,b', hdrout: 'all', ret: '\\n' })), inputs: [{ payload: { a: 1, b: 'x,y' } }] },
        { name: 'legacy number parsing', flow: cv(legacy({ temp: 'a,b,c,d' })), inputs: [{ payload: '007,1e3,-0.5, 12 ' }] },
        { name: 'rfc object to csv keeps key order without template', flow: cv({ hdrout: 'all', ret: '\\n' }), inputs: [{ payload: { name: 'bob', age: 42 } }, { payload: [{ z: 1, a: 2, '10': 3, '2': 4 }] }] },
        { name: 'rfc header row gives key order', flow: cv({ hdrin: true }), inputs: [{ payload: 'z,a,10,2\n1,2,3,4\n' }] },
    ],
};
