'use strict';
const { node, helperNode } = require('./_lib');

module.exports = {
    dir: 'catch',
    cases: [
        {
            name: 'catch all receives json parse error',
            flow: [
                node('json', 'n1', {}, [['out0']]),
                node('catch', 'c1', { scope: null, uncaught: false }, [['err0']]),
                helperNode('out0'), helperNode('err0'),
            ],
            inputs: [{ payload: '{bad', topic: 't' }, { payload: '{"ok":1}' }],
        },
        {
            name: 'scoped catch only for listed nodes',
            flow: [
                node('json', 'n1', {}, [['n2']]),
                node('json', 'n2', {}, [['out0']]),
                node('catch', 'c1', { name: 'only n1', scope: ['n1'], uncaught: false }, [['err0']]),
                node('catch', 'c2', { name: 'only n2', scope: ['n2'], uncaught: false }, [['err1']]),
                helperNode('out0'), helperNode('err0'), helperNode('err1'),
            ],
            inputs: [{ payload: '{bad' }],
        },
        {
            name: 'uncaught catch skipped when scoped catch handles',
            flow: [
                node('json', 'n1', { name: 'parser' }, [['out0']]),
                node('catch', 'c1', { scope: ['n1'], uncaught: false }, [['err0']]),
                node('catch', 'c2', { scope: null, uncaught: true }, [['err1']]),
                helperNode('out0'), helperNode('err0'), helperNode('err1'),
            ],
            inputs: [{ payload: 'nope' }],
        },
        {
            name: 'uncaught catch fires when nothing else does',
            flow: [
                node('json', 'n1', {}, [['out0']]),
                node('catch', 'c2', { scope: null, uncaught: true }, [['err1']]),
                helperNode('out0'), helperNode('err1'),
            ],
            inputs: [{ payload: 'nope' }],
        },
        {
            name: 'two catch all nodes both fire',
            flow: [
                node('json', 'n1', {}, [['out0']]),
                node('catch', 'c1', { scope: null, uncaught: false }, [['err0']]),
                node('catch', 'c2', { scope: null, uncaught: false }, [['err1']]),
                helperNode('out0'), helperNode('err0'), helperNode('err1'),
            ],
            inputs: [{ payload: 'nope' }],
        },
        {
            name: 'existing msg.error moved to _error',
            flow: [
                node('json', 'n1', {}, [['out0']]),
                node('catch', 'c1', { scope: null, uncaught: false }, [['err0']]),
                helperNode('out0'), helperNode('err0'),
            ],
            inputs: [{ payload: 'nope', error: 'previous' }],
        },
        {
            name: 'error thrown as Error object has stack',
            flow: [
                node('switch', 'n1', { rules: [{ t: 'regex', v: '([', vt: 'str', case: false }], outputs: 1 }, [['out0']]),
                node('catch', 'c1', { scope: null, uncaught: false }, [['err0']]),
                helperNode('out0'), helperNode('err0'),
            ],
            inputs: [{ payload: 'x' }],
        },
        {
            name: 'status node receives node status',
            flow: [
                node('trigger', 'n1', { op1: 'on', op1type: 'str', op2: 'off', op2type: 'str', duration: '30', extend: false, overrideDelay: false }, [['out0']]),
                node('status', 's1', { scope: null }, [['st0']]),
                helperNode('out0'), helperNode('st0'),
            ],
            inputs: [{ payload: 1 }],
            settle_ms: 120,
        },
        {
            name: 'scoped status ignores other nodes',
            flow: [
                node('trigger', 'n1', { op1: 'on', op1type: 'str', op2: 'off', op2type: 'str', duration: '30', extend: false, overrideDelay: false }, [['out0']]),
                node('status', 's1', { scope: ['someOther'] }, [['st0']]),
                helperNode('out0'), helperNode('st0'),
            ],
            inputs: [{ payload: 1 }],
            settle_ms: 120,
        },
        {
            name: 'complete scoped to change node',
            flow: [
                node('change', 'n1', { rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'changed', tot: 'str' }] }, [['out0']]),
                node('complete', 'cp1', { scope: ['n1'] }, [['done0']]),
                helperNode('out0'), helperNode('done0'),
            ],
            inputs: [{ payload: 'orig', topic: 't' }],
        },
        {
            name: 'complete fires for switch without match',
            flow: [
                node('switch', 'n1', { rules: [{ t: 'eq', v: 'yes', vt: 'str' }], outputs: 1 }, [['out0']]),
                node('complete', 'cp1', { scope: ['n1'] }, [['done0']]),
                helperNode('out0'), helperNode('done0'),
            ],
            inputs: [{ payload: 'no' }, { payload: 'yes' }],
        },
        {
            name: 'complete not fired on error',
            flow: [
                node('json', 'n1', {}, [['out0']]),
                node('complete', 'cp1', { scope: ['n1'] }, [['done0']]),
                helperNode('out0'), helperNode('done0'),
            ],
            inputs: [{ payload: 'bad' }, { payload: '1' }],
        },
    ],
};
