'use strict';
const { node, helperNode } = require('./_lib');

module.exports = {
    dir: 'link',
    cases: [
        {
            name: 'link out to link in',
            flow: [
                node('link out', 'n1', { name: 'to target', mode: 'link', links: ['li1'] }, []),
                node('link in', 'li1', { name: 'target', links: ['n1'] }, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 'hello', topic: 't' }],
        },
        {
            name: 'link out to two link ins',
            flow: [
                node('link out', 'n1', { name: 'fan', mode: 'link', links: ['li1', 'li2'] }, []),
                node('link in', 'li1', { name: 'a', links: ['n1'] }, [['out0']]),
                node('link in', 'li2', { name: 'b', links: ['n1'] }, [['out1']]),
                helperNode('out0'), helperNode('out1'),
            ],
            inputs: [{ payload: { x: 1 } }],
        },
        {
            name: 'link call returns',
            flow: [
                node('link call', 'n1', { links: ['li1'], linkType: 'static', timeout: '30' }, [['out0']]),
                node('link in', 'li1', { name: 'sub', links: [] }, [['c1']]),
                node('change', 'c1', { rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'returned', tot: 'str' }] }, [['lo1']]),
                node('link out', 'lo1', { name: '', mode: 'return', links: [] }, []),
                helperNode('out0'),
            ],
            inputs: [{ payload: 'call', topic: 't' }],
        },
        {
            name: 'link call dynamic by name',
            flow: [
                node('link call', 'n1', { links: [], linkType: 'dynamic', timeout: '30' }, [['out0']]),
                node('link in', 'li1', { name: 'named-target', links: [] }, [['c1']]),
                node('change', 'c1', { rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'dyn', tot: 'str' }] }, [['lo1']]),
                node('link out', 'lo1', { name: '', mode: 'return', links: [] }, []),
                helperNode('out0'),
            ],
            inputs: [{ payload: 'call', target: 'named-target' }],
        },
        {
            name: 'link call dynamic unknown target errors',
            flow: [
                node('link call', 'n1', { links: [], linkType: 'dynamic', timeout: '30' }, [['out0']]),
                helperNode('out0'),
            ],
            inputs: [{ payload: 'call', target: 'nope' }],
        },
        {
            name: 'link call timeout errors',
            flow: [
                node('link call', 'n1', { links: ['li1'], linkType: 'static', timeout: '0.05' }, [['out0']]),
                node('link in', 'li1', { name: 'sink', links: [] }, []),
                helperNode('out0'),
            ],
            inputs: [{ payload: 'call' }],
            settle_ms: 150,
        },
        {
            name: 'link out return without call warns',
            flow: [
                node('link out', 'n1', { name: '', mode: 'return', links: [] }, []),
            ],
            inputs: [{ payload: 'x' }],
        },
    ],
};
