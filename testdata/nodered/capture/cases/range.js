'use strict';
const { single } = require('./_lib');

function rg(minin, maxin, minout, maxout, extra) {
    return single('range', Object.assign({ minin: minin, maxin: maxin, minout: minout, maxout: maxout }, extra || {}), 1);
}

module.exports = {
    dir: 'range',
    cases: [
        {
            name: 'scale linear',
            flow: rg('0', '10', '0', '100'),
            inputs: [{ payload: 0 }, { payload: 5 }, { payload: 10 }, { payload: 15 }, { payload: -5 }, { payload: 2.5 }],
        },
        {
            name: 'scale inverted output range',
            flow: rg('0', '10', '100', '0'),
            inputs: [{ payload: 0 }, { payload: 2 }, { payload: 12 }],
        },
        {
            name: 'scale swapped input range',
            flow: rg('10', '0', '0', '100'),
            inputs: [{ payload: 0 }, { payload: 2 }],
        },
        {
            name: 'clamp',
            flow: rg('0', '10', '0', '100', { action: 'clamp' }),
            inputs: [{ payload: -3 }, { payload: 4 }, { payload: 42 }],
        },
        {
            name: 'roll',
            flow: rg('0', '10', '0', '360', { action: 'roll' }),
            inputs: [{ payload: 12 }, { payload: -1 }, { payload: 10 }, { payload: 25 }],
        },
        {
            name: 'drop out of range',
            flow: rg('0', '10', '0', '1', { action: 'drop' }),
            inputs: [{ payload: -1 }, { payload: 5 }, { payload: 11 }, { payload: 10 }],
        },
        {
            name: 'round half values',
            flow: rg('0', '10', '0', '10', { round: true }),
            inputs: [{ payload: 2.5 }, { payload: 3.5 }, { payload: -2.5 }, { payload: -2.6 }, { payload: -0.5 }, { payload: 0.49 }],
        },
        {
            name: 'round with fractional output bounds',
            flow: rg('0', '1', '0.5', '10.7', { round: true }),
            inputs: [{ payload: 0 }, { payload: 1 }, { payload: 0.5 }],
        },
        {
            name: 'string numeric payloads',
            flow: rg('0', '10', '0', '100'),
            inputs: [{ payload: '5' }, { payload: ' 7 ' }, { payload: '' }, { payload: '0x10' }, { payload: true }, { payload: null }],
        },
        {
            name: 'non numeric payload logs and drops',
            flow: rg('0', '10', '0', '100'),
            inputs: [{ payload: 'abc' }, { payload: [1, 2] }, { payload: { a: 1 } }],
        },
        {
            name: 'missing payload passes through',
            flow: rg('0', '10', '0', '100'),
            inputs: [{ topic: 'nothing' }],
        },
        {
            name: 'other property',
            flow: rg('0', '1', '0', '255', { property: 'data.level' }),
            inputs: [{ payload: 'keep', data: { level: 0.5 } }],
        },
        {
            name: 'float precision',
            flow: rg('0', '3', '0', '1'),
            inputs: [{ payload: 1 }, { payload: 0.1 }],
        },
    ],
};
