'use strict';
// Node's built-ins a function node uses to format values for humans (issue
// 23): Intl, toLocale*, URL, URLSearchParams, util.format. Every date case
// names its time zone, so the answers do not depend on the machine's TZ.
const { node, helperNode } = require('./_lib');

function fn(func) {
    return [
        node('function', 'n1', { name: '', func: func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [] }, [['out0']]),
        helperNode('out0'),
    ];
}
const d = 'const d = new Date(Date.UTC(2026, 0, 15, 13, 5, 9));\n';
const cases = [
    ['date toLocaleString in New York', d + "msg.payload = d.toLocaleString('en-US', {timeZone: 'America/New_York'});"],
    ['date toLocaleDateString german', d + "msg.payload = d.toLocaleDateString('de-DE', {timeZone: 'UTC'});"],
    ['date toLocaleTimeString two digits', d + "msg.payload = d.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit', timeZone: 'UTC'});"],
    ['number toLocaleString en-US', "msg.payload = (1234567.891).toLocaleString('en-US');"],
    ['number toLocaleString de-DE fraction digits', "msg.payload = (1234.5).toLocaleString('de-DE', {minimumFractionDigits: 2});"],
    ['DateTimeFormat Tokyo hour', d + "msg.payload = new Intl.DateTimeFormat('en-US', {timeZone: 'Asia/Tokyo', hour: 'numeric'}).format(d);"],
    ['Collator sort', "msg.payload = ['b','a','C'].sort(new Intl.Collator('en').compare).join('');"],
    ['NumberFormat currency and percent', "msg.payload = [new Intl.NumberFormat('de-DE', {style: 'currency', currency: 'EUR'}).format(1234.5), new Intl.NumberFormat('en-US', {style: 'percent'}).format(0.256), new Intl.NumberFormat('en-IN').format(12345678.9)];"],
    ['DST change in Berlin', "msg.payload = [Date.UTC(2026, 2, 29, 0, 30), Date.UTC(2026, 2, 29, 1, 30)].map(t => new Date(t).toLocaleString('de-DE', {timeZone: 'Europe/Berlin'}));"],
    ['URL and URLSearchParams', "const u = new URL('http://a.b/c?x=1&y=2');\nu.searchParams.append('z', 'a b');\nmsg.payload = [u.searchParams.get('x'), typeof URLSearchParams, u.href, new URLSearchParams({k: 'v w'}).toString()];"],
    ['util.format placeholders', "msg.payload = [util.format('%s=%d', 'x', 5), util.format('%i %f %j %%', 4.7, '1.5', {a: 1})];"],
];
module.exports = {
    dir: 'function',
    cases: cases.map(([name, code]) => ({ name: name, flow: fn(code + '\nreturn msg;'), inputs: [{ payload: 0 }] })),
};
