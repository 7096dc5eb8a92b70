'use strict';
const { single } = require('./_lib');
function dl(extra, nOut) { return single('delay', extra || {}, nOut || 1); }
const ms = { timeoutUnits: 'milliseconds' };

module.exports = {
    dir: 'delay',
    cases: [
        {
            name: 'fixed delay keeps order',
            flow: dl(Object.assign({ timeout: '20' }, ms)),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }],
            settle_ms: 150,
        },
        {
            name: 'fixed delay flush sends pending now',
            flow: dl({ timeout: '5' }),
            inputs: [{ payload: 1 }, { payload: 2 }, { flush: true }],
            settle_ms: 100,
            note: 'timeout is 5 seconds; everything seen was released by msg.flush. A msg with only flush (and _msgid) is not itself sent.',
        },
        {
            name: 'fixed delay flush with payload is also sent',
            flow: dl({ timeout: '5' }),
            inputs: [{ payload: 1 }, { payload: 2, flush: true }],
            settle_ms: 100,
        },
        {
            name: 'fixed delay flush count',
            flow: dl({ timeout: '5' }),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }, { flush: 2 }],
            settle_ms: 100,
        },
        {
            name: 'fixed delay reset drops pending',
            flow: dl(Object.assign({ timeout: '50' }, ms)),
            inputs: [{ payload: 1 }, { payload: 2 }, { reset: true }],
            settle_ms: 150,
        },
        {
            name: 'variable delay from msg.delay',
            flow: dl(Object.assign({ pauseType: 'delayv', timeout: '5' }, ms)),
            inputs: [{ payload: 'slow', delay: 60 }, { payload: 'fast', delay: 10 }, { payload: 'default' }],
            settle_ms: 150,
        },
        {
            name: 'rate limit drop extras within window',
            flow: dl({ pauseType: 'rate', rate: '1', rateUnits: 'second', drop: true }),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }],
            settle_ms: 100,
        },
        {
            name: 'rate limit emit extras on second output',
            flow: dl({ pauseType: 'rate', rate: '1', rateUnits: 'second', drop: true, outputs: 2 }, 2),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }],
            settle_ms: 100,
        },
        {
            name: 'rate limit drop reset allows next',
            flow: dl({ pauseType: 'rate', rate: '1', rateUnits: 'second', drop: true }),
            inputs: [{ payload: 1 }, { payload: 2 }, { reset: true }, { payload: 3 }, { payload: 4 }],
            settle_ms: 100,
        },
        {
            name: 'rate limit queue first immediate rest held',
            flow: dl({ pauseType: 'rate', rate: '1', rateUnits: 'second', drop: false }),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }],
            settle_ms: 100,
        },
        {
            name: 'rate limit queue flush releases queue',
            flow: dl({ pauseType: 'rate', rate: '1', rateUnits: 'second', drop: false }),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }, { flush: true }],
            settle_ms: 100,
        },
        {
            name: 'rate limit queue reset empties queue',
            flow: dl({ pauseType: 'rate', rate: '1', rateUnits: 'second', drop: false }),
            inputs: [{ payload: 1 }, { payload: 2 }, { reset: true }, { payload: 3 }],
            settle_ms: 100,
        },
        {
            name: 'rate limit queue paces messages',
            flow: dl({ pauseType: 'rate', rate: '20', rateUnits: 'second', drop: false }),
            inputs: [{ payload: 1 }, { payload: 2 }, { payload: 3 }],
            settle_ms: 250,
            note: 'rate 20/s => one message every 50ms',
        },
    ],
};
