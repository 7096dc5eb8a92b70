'use strict';
// Node builders with the default properties Node-RED 4's editor writes
// (taken from the `defaults` of node_modules/@node-red/nodes/core/*/*.html).

const DEFAULTS = {
    'switch': () => ({ name: '', property: 'payload', propertyType: 'msg', rules: [], checkall: 'true', repair: false, outputs: 1 }),
    'change': () => ({ name: '', rules: [], action: '', property: '', from: '', to: '', reg: false }),
    'range': () => ({ minin: '', maxin: '', minout: '', maxout: '', action: 'scale', round: false, property: 'payload', name: '' }),
    'template': () => ({ name: '', field: 'payload', fieldType: 'msg', format: 'handlebars', syntax: 'mustache', template: '', output: 'str' }),
    'delay': () => ({ name: '', pauseType: 'delay', timeout: '5', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1 }),
    'trigger': () => ({ name: '', op1: '1', op2: '0', op1type: 'val', op2type: 'val', duration: '250', extend: 'false', overrideDelay: 'false', units: 'ms', reset: '', bytopic: 'all', topic: 'topic', outputs: 1 }),
    'rbe': () => ({ name: '', func: 'rbe', gap: '', start: '', inout: 'out', septopics: true, property: 'payload', topi: 'topic' }),
    'split': () => ({ name: '', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', property: 'payload' }),
    'join': () => ({ name: '', mode: 'auto', build: 'object', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', useparts: false, accumulate: 'false', timeout: '', count: '', reduceRight: false }),
    'sort': () => ({ name: '', order: 'ascending', as_num: false, target: 'payload', targetType: 'msg', msgKey: 'payload', msgKeyType: 'elem', seqKey: 'payload', seqKeyType: 'msg' }),
    'batch': () => ({ name: '', mode: 'count', count: 10, overlap: 0, interval: 10, allowEmptySequence: false, honourParts: false, topics: [{ topic: '' }] }),
    'json': () => ({ name: '', property: 'payload', action: '', pretty: false }),
    'csv': () => ({ name: '', spec: 'rfc', sep: ',', hdrin: '', hdrout: 'none', multi: 'one', ret: '\\r\\n', temp: '', skip: '0', strings: true, include_empty_strings: '', include_null_values: '' }),
    'yaml': () => ({ property: 'payload', name: '' }),
    'xml': () => ({ name: '', property: 'payload', attr: '', chr: '' }),
    'link in': () => ({ name: 'link in 1', links: [] }),
    'link out': () => ({ name: 'link out 1', mode: 'link', links: [] }),
    'link call': () => ({ name: '', links: [], linkType: 'static', timeout: '30' }),
    'catch': () => ({ name: '', scope: null, uncaught: false }),
    'status': () => ({ name: '', scope: null }),
    'complete': () => ({ name: '', scope: [] }),
};

// node(type, id, props, wires)
function node(type, id, props, wires) {
    const n = Object.assign({ id: id, type: type }, DEFAULTS[type] ? DEFAULTS[type]() : {}, props || {});
    n.wires = wires || [];
    return n;
}

// The node under test "n1" wired output i -> "out<i>", plus the collectors.
function single(type, props, nOutputs) {
    nOutputs = nOutputs === undefined ? 1 : nOutputs;
    const wires = [];
    const flow = [];
    for (let i = 0; i < nOutputs; i++) { wires.push(['out' + i]); }
    flow.push(node(type, 'n1', props, wires));
    for (let i = 0; i < nOutputs; i++) { flow.push(helperNode('out' + i)); }
    return flow;
}

function helperNode(id) { return { id: id, type: 'helper', wires: [] }; }

module.exports = { node, single, helperNode, DEFAULTS };
