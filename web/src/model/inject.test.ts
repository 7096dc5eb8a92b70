import { describe, expect, it } from 'vitest';
import { defaultRepeat, formatRepeat, injectLabel, parseRepeat, propRows, saveRows, type Repeat } from './inject';

const rep = (p: Partial<Repeat>): Repeat => ({ ...defaultRepeat, days: [...defaultRepeat.days], ...p });

// Each case is what Node-RED 4's inject.html oneditsave writes for the
// selector state, and what its oneditprepare reads back.
const cases: { name: string; r: Repeat; repeat: string; crontab: string }[] = [
  { name: 'none', r: rep({}), repeat: '', crontab: '' },
  { name: 'every 5 seconds', r: rep({ kind: 'interval', count: '5', units: 's' }), repeat: '5', crontab: '' },
  { name: 'every 2 minutes', r: rep({ kind: 'interval', count: '2', units: 'm' }), repeat: '120', crontab: '' },
  { name: 'every hour', r: rep({ kind: 'interval', count: '1', units: 'h' }), repeat: '3600', crontab: '' },
  {
    name: 'every 5 minutes 08:00-17:00 on weekdays',
    r: rep({ kind: 'interval-time', every: '5', start: 8, end: 17, days: [1, 2, 3, 4, 5] }),
    repeat: '',
    crontab: '*/5 8-16 * * 1,2,3,4,5',
  },
  { name: 'every 60 minutes across midnight', r: rep({ kind: 'interval-time', every: '0', start: 22, end: 2 }), repeat: '', crontab: '0 22-23,0-1 * * *' },
  { name: '23:00 to 01:00', r: rep({ kind: 'interval-time', every: '10', start: 23, end: 1 }), repeat: '', crontab: '*/10 23,0 * * *' },
  { name: 'one hour', r: rep({ kind: 'interval-time', every: '1', start: 8, end: 9 }), repeat: '', crontab: '*/1 8 * * *' },
  { name: 'until midnight', r: rep({ kind: 'interval-time', every: '15', start: 20, end: 24 }), repeat: '', crontab: '*/15 20-23 * * *' },
  { name: 'at 07:30 at weekends', r: rep({ kind: 'time', at: '07:30', days: [6, 0] }), repeat: '', crontab: '30 07 * * 6,0' },
];

describe('inject repeat', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(formatRepeat(c.r)).toEqual({ repeat: c.repeat, crontab: c.crontab });
      expect(formatRepeat(parseRepeat(c.repeat, c.crontab))).toEqual({ repeat: c.repeat, crontab: c.crontab });
      expect(parseRepeat(c.repeat, c.crontab).kind).toBe(c.r.kind);
    });
  }
  it('no day ticked writes no crontab, as Node-RED', () => {
    expect(formatRepeat(rep({ kind: 'time', days: [] }))).toEqual({ repeat: '', crontab: '' });
  });
  it('reads a number repeat', () => {
    expect(parseRepeat(90, '')).toMatchObject({ kind: 'interval', count: '90', units: 's' });
    expect(parseRepeat('7200', '')).toMatchObject({ kind: 'interval', count: '2', units: 'h' });
  });
});

describe('inject props', () => {
  it('payload and topic values come from the node fields and go back there', () => {
    const n = { props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }, { p: 'x', v: '1', vt: 'num' }], payload: 'hi', payloadType: 'str', topic: 't' };
    const rows = propRows(n);
    expect(rows).toEqual([
      { p: 'payload', v: 'hi', vt: 'str' },
      { p: 'topic', v: 't', vt: 'str' },
      { p: 'x', v: '1', vt: 'num' },
    ]);
    expect(saveRows(rows)).toEqual({ props: n.props, payload: 'hi', payloadType: 'str', topic: 't' });
  });
  it('a legacy node without props gets payload and topic; unnamed rows are dropped', () => {
    expect(propRows({ payload: '' })).toEqual([
      { p: 'payload', v: '', vt: 'date' },
      { p: 'topic', v: '', vt: 'str' },
    ]);
    expect(saveRows([{ p: '', v: 'x', vt: 'str' }])).toEqual({ props: [], topic: '' });
  });
});

describe('inject label', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ payloadType: 'date', payload: '' }, 'timestamp'],
    [{ payloadType: 'date', topic: 'tick', repeat: '5' }, 'tick:timestamp\t↻'],
    [{ payloadType: 'str', payload: 'hello', once: true }, 'hello ¹'],
    [{ payloadType: 'num', payload: '42', topic: 'answer' }, 'answer:42'],
    [{ payloadType: 'str', payload: 'a payload that is far too long to show' }, 'inject'],
    [{ payloadType: 'flow', payload: 'count' }, 'flow.count'],
    [{ payloadType: 'jsonata', payload: '1+1' }, 'inject'],
    [{ name: 'go', crontab: '0 8 * * *' }, 'go\t↻'],
  ];
  for (const [n, want] of cases) it(JSON.stringify(n), () => expect(injectLabel(n)).toBe(want));
});
