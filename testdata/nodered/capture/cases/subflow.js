'use strict';
// Subflows and environment variables: n1 is a subflow instance.
const { node, helperNode } = require('./_lib');

function def(id, props) {
    return Object.assign({ id: id, type: 'subflow', name: 'Sub', info: '', category: '', color: '#DDAA99', icon: 'node-red/subflow.svg', in: [], out: [], env: [] }, props);
}
function inSub(z, n) { n.z = z; return n; }
const port = (id, p) => ({ x: 0, y: 0, wires: [p === undefined ? { id: id } : { id: id, port: p }] });

module.exports = {
    dir: 'subflow',
    cases: [
        {
            name: 'instance env overrides definition env',
            flow: [
                def('S', { in: [port('sc')], out: [port('sc', 0)], env: [{ name: 'X', type: 'str', value: 'default' }, { name: 'W', type: 'str', value: 'w' }] }),
                inSub('S', node('change', 'sc', { rules: [
                    { t: 'set', p: 'payload', pt: 'msg', to: 'X', tot: 'env' },
                    { t: 'set', p: 'w', pt: 'msg', to: 'W', tot: 'env' },
                    { t: 'set', p: 'path', pt: 'msg', to: 'NR_NODE_PATH', tot: 'env' },
                    { t: 'set', p: 'sub', pt: 'msg', to: '${NR_SUBFLOW_NAME}|${NR_SUBFLOW_ID}|${NR_SUBFLOW_PATH}|${NR_FLOW_NAME}|${NR_NODE_ID}', tot: 'env' },
                ] }, [[]])),
                node('subflow:S', 'n1', { name: 'inst', env: [{ name: 'X', type: 'str', value: 'mine' }] }, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 1 }],
        },
        {
            name: 'env types and env references',
            flow: [
                def('S', { in: [port('sc')], out: [port('sc', 0)], env: [
                    { name: 'B', type: 'bool', value: 'true' },
                    { name: 'J', type: 'json', value: '{"a":[1,2]}' },
                    { name: 'E', type: 'env', value: 'T' },
                    { name: 'T', type: 'env', value: '${B}-x' },
                    { name: 'P', type: 'env', value: 'NR_NODE_ID' },
                ] }),
                inSub('S', node('change', 'sc', { rules: [
                    { t: 'set', p: 'e', pt: 'msg', to: 'E', tot: 'env' },
                    { t: 'set', p: 't', pt: 'msg', to: 'T', tot: 'env' },
                    { t: 'set', p: 'p', pt: 'msg', to: 'P', tot: 'env' },
                    { t: 'set', p: 'text', pt: 'msg', to: '${B}/${J}', tot: 'env' },
                ] }, [[]])),
                node('subflow:S', 'n1', {}, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 1 }],
        },
        {
            name: 'error inside goes to the catch around the instance',
            flow: [
                def('S', { in: [port('j')], out: [port('j', 0)] }),
                inSub('S', node('json', 'j', { name: 'parser' }, [[]])),
                node('subflow:S', 'n1', {}, [['out0']]),
                node('catch', 'c1', { scope: ['n1'] }, [['err0']]),
                helperNode('out0'), helperNode('err0'),
            ],
            inputs: [{ payload: '{bad' }],
        },
        {
            name: 'error inside caught by the catch inside',
            flow: [
                def('S', { in: [port('j')], out: [port('j', 0), port('c', 0)] }),
                inSub('S', node('json', 'j', { name: 'parser' }, [[]])),
                inSub('S', node('catch', 'c', {}, [[]])),
                node('subflow:S', 'n1', {}, [['out0'], ['out1']]),
                node('catch', 'c1', { scope: null }, [['err0']]),
                helperNode('out0'), helperNode('out1'), helperNode('err0'),
            ],
            inputs: [{ payload: '{bad' }],
        },
        {
            name: 'status output sets the instance status',
            flow: [
                def('S', { in: [port('sc')], out: [], status: port('sc', 0) }),
                inSub('S', node('change', 'sc', { rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"fill":"red","shape":"ring","text":"bad"}', tot: 'json' }] }, [[]])),
                node('subflow:S', 'n1', { name: 'inst' }, []),
                node('status', 's1', { scope: null }, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 1 }],
        },
        {
            name: 'parent flow context from inside',
            flow: [
                def('S', { in: [port('sc')], out: [port('sc', 0)] }),
                inSub('S', node('change', 'sc', { rules: [
                    { t: 'set', p: '$parent.fromSub', pt: 'flow', to: 'payload', tot: 'msg' },
                    { t: 'set', p: 'seen', pt: 'msg', to: '$parent.preset', tot: 'flow' },
                ] }, [[]])),
                node('subflow:S', 'n1', {}, [['out0']]),
                helperNode('out0'),
            ],
            context: { flow: { preset: 'tab value' } },
            inputs: [{ payload: 'p' }],
        },
        {
            name: 'env property substitution in a nested subflow',
            flow: [
                def('S', { in: [port('sc')], out: [port('sc', 0)], env: [{ name: 'E', type: 'str', value: '' }] }),
                inSub('S', node('change', 'sc', { rules: [
                    { t: 'set', p: 'a', pt: 'msg', to: '${OUTER}', tot: 'str' },
                    { t: 'set', p: 'b', pt: 'msg', to: '${E}', tot: 'str' },
                    { t: 'set', p: 'c', pt: 'msg', to: '${UNSET_VAR_X}', tot: 'str' },
                    { t: 'set', p: 'path', pt: 'msg', to: 'NR_NODE_PATH', tot: 'env' },
                ] }, [[]])),
                def('N', { name: 'Outer', in: [port('ni')], out: [port('ni', 0)], env: [{ name: 'OUTER', type: 'str', value: 'outer' }] }),
                inSub('N', node('subflow:S', 'ni', {}, [[]])),
                node('subflow:N', 'n1', {}, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 1 }],
        },
    ],
};
