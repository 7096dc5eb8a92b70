'use strict';
const { single } = require('./_lib');
function rb(extra) { return single('rbe', extra || {}, 1); }
const p = arr => arr.map(v => ({ payload: v }));

module.exports = {
    dir: 'rbe',
    cases: [
        { name: 'rbe block unless value changes', flow: rb(), inputs: p([1, 1, 2, 2, '2', 1, 'a', 'a']) },
        { name: 'rbe objects compared deeply', flow: rb(), inputs: p([{ a: 1 }, { a: 1 }, { a: 2 }, [1, 2], [1, 2], { a: 2 }]) },
        { name: 'rbei ignores first value', flow: rb({ func: 'rbei' }), inputs: p([1, 1, 2, 2, 3]) },
        { name: 'rbe per topic', flow: rb(), inputs: [{ payload: 1, topic: 'a' }, { payload: 1, topic: 'b' }, { payload: 1, topic: 'a' }, { payload: 2, topic: 'b' }] },
        { name: 'rbe all topics together', flow: rb({ septopics: false }), inputs: [{ payload: 1, topic: 'a' }, { payload: 1, topic: 'b' }, { payload: 2, topic: 'a' }] },
        { name: 'rbe reset per topic and global', flow: rb(), inputs: [{ payload: 1, topic: 'a' }, { payload: 1, topic: 'b' }, { reset: true, topic: 'a' }, { payload: 1, topic: 'a' }, { payload: 1, topic: 'b' }, { reset: true }, { payload: 1, topic: 'b' }] },
        { name: 'rbe other property', flow: rb({ property: 'data.v' }), inputs: [{ payload: 'x', data: { v: 1 } }, { payload: 'y', data: { v: 1 } }, { payload: 'z', data: { v: 2 } }, { payload: 'no data' }] },
        { name: 'rbe missing property ignored', flow: rb(), inputs: [{ topic: 'no payload' }, { payload: null }, { payload: null }] },
        { name: 'deadband absolute gap', flow: rb({ func: 'deadband', gap: '10' }), inputs: p([0, 5, 10, 11, 21, 25, 32]) },
        { name: 'deadbandEq absolute gap', flow: rb({ func: 'deadbandEq', gap: '10' }), inputs: p([0, 5, 10, 15, 20, 31]) },
        { name: 'deadband percent gap', flow: rb({ func: 'deadband', gap: '10%' }), inputs: p([100, 105, 111, 120, 130, 145]) },
        { name: 'deadband compare to last input', flow: rb({ func: 'deadband', gap: '10', inout: 'in' }), inputs: p([0, 5, 12, 20, 35]) },
        { name: 'deadband string numbers and non numeric', flow: rb({ func: 'deadband', gap: '1' }), inputs: p(['5', '5.5', '7 volts', 'abc', 9]) },
        { name: 'deadband start value ignored', flow: rb({ func: 'deadband', gap: '10', start: '50' }), inputs: p([0, 45, 61]) },
        { name: 'narrowband absolute gap', flow: rb({ func: 'narrowband', gap: '10' }), inputs: p([0, 5, 15, 25, 12, 20, 40]) },
        { name: 'narrowbandEq absolute gap', flow: rb({ func: 'narrowbandEq', gap: '10' }), inputs: p([0, 5, 15, 25, 12, 20, 40]) },
        { name: 'narrowband with start value', flow: rb({ func: 'narrowband', gap: '5', start: '100' }), inputs: p([0, 98, 103, 110, 106]) },
        { name: 'narrowband compare to last input', flow: rb({ func: 'narrowband', gap: '10', inout: 'in' }), inputs: p([0, 5, 30, 35, 41]) },
        { name: 'narrowband percent gap', flow: rb({ func: 'narrowband', gap: '10%' }), inputs: p([100, 105, 120, 109, 95]) },
        { name: 'deadband per topic', flow: rb({ func: 'deadband', gap: '5' }), inputs: [{ payload: 0, topic: 'a' }, { payload: 0, topic: 'b' }, { payload: 6, topic: 'a' }, { payload: 3, topic: 'b' }] },
        { name: 'deadband gap empty means zero', flow: rb({ func: 'deadband', gap: '' }), inputs: p([1, 1, 2, 1.5]) },
    ],
};
