'use strict';
const { single } = require('./_lib');
function xm(extra) { return single('xml', extra || {}, 1); }

module.exports = {
    dir: 'xml',
    cases: [
        { name: 'xml to object with attributes and text', flow: xm(), inputs: [{ payload: '<root a="1"><item id="x">hello</item><item>world</item><empty/></root>' }] },
        { name: 'xml single child still array', flow: xm(), inputs: [{ payload: '<a><b>1</b></a>' }] },
        { name: 'xml nested and mixed content', flow: xm(), inputs: [{ payload: '<doc><p class="c">text <b>bold</b> tail</p><n>5</n></doc>' }] },
        { name: 'xml to object keeps document order', flow: xm(), inputs: [{ payload: '<r z="1" a="2"><b>1</b>hi<a>2</a><b>3</b></r>' }] },
        { name: 'object to xml keeps key order', flow: xm(), inputs: [{ payload: { r: { z: 1, a: { $: { y: 1, b: 2 }, _: 't' }, b: 3 } } }] },
        { name: 'custom attr and chr keys', flow: xm({ attr: 'attrs', chr: 'text' }), inputs: [{ payload: '<root a="1"><item id="x">hello</item></root>' }] },
        { name: 'object to xml', flow: xm(), inputs: [{ payload: { root: { $: { a: '1' }, item: [{ _: 'hello', $: { id: 'x' } }, 'world'], n: 5 } } }] },
        { name: 'object to xml with custom keys', flow: xm({ attr: 'attrs', chr: 'text' }), inputs: [{ payload: { root: { attrs: { a: '1' }, item: { text: 'hi', attrs: { id: 'x' } } } } }] },
        { name: 'object with multiple roots', flow: xm(), inputs: [{ payload: { a: 1, b: 2 } }] },
        { name: 'escaping in object to xml', flow: xm(), inputs: [{ payload: { r: { _: '<&> "q"', $: { at: '<&>"' } } } }] },
        { name: 'invalid xml error', flow: xm(), inputs: [{ payload: '<a><b></a>' }, { payload: 'not xml' }] },
        { name: 'number payload warns', flow: xm(), inputs: [{ payload: 5 }] },
        { name: 'msg options', flow: xm(), inputs: [{ payload: '<a><b>1</b></a>', options: { explicitArray: false } }] },
        { name: 'other property', flow: xm({ property: 'data' }), inputs: [{ payload: 'keep', data: '<x>1</x>' }] },
    ],
};
