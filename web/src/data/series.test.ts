import { describe, expect, it } from 'vitest';
import {
  align,
  appendSeries,
  bucketFor,
  bucketSeries,
  filterTopics,
  maxFields,
  mqttMatch,
  numericFields,
  rangeOf,
  shortValue,
  toCSV,
  topicsOf,
  toSeries,
  trimSeries,
  type Reading,
} from './series';

const r = (id: number, topic: string, payload: unknown, ts: number): Reading => ({ id, topic, payload, ts });

describe('numericFields', () => {
  it.each([
    ['a number', 21.5, [['', 21.5]]],
    ['a numeric string', ' 7 ', [['', 7]]],
    ['a boolean', true, [['', 1]]],
    ['text', 'on', []],
    ['an empty string', '', []],
    ['null', null, []],
    ['an object in key order', { t: 1, name: 'x', h: '40' }, [['t', 1], ['h', 40]]],
    ['nested and lists', { a: { b: 2 }, l: [3, 'x', 4] }, [['a.b', 2], ['l[0]', 3], ['l[2]', 4]]],
    ['keys the store cannot name skipped', { 'a-b': 1, ok: 2 }, [['ok', 2]]],
    ['too deep', { a: { b: { c: { d: 1 } } } }, []],
    ['infinity and NaN', { a: Infinity, b: NaN, c: 'NaN' }, []],
  ])('%s', (_, payload, want) => {
    expect(numericFields(payload)).toEqual(want);
  });
  it('stops at maxFields', () => {
    const p = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i]));
    expect(numericFields(p)).toHaveLength(maxFields);
  });
});

describe('toSeries and align', () => {
  const rs = [r(1, 'a', { t: 1, h: 10 }, 100), r(2, 'b', 5, 150), r(3, 'a', { t: 2 }, 200), r(4, 'b', 'off', 200), r(5, 'b', 6, 300)];
  it('groups per topic and field in order of appearance', () => {
    expect(toSeries(rs)).toEqual([
      { topic: 'a', field: 't', ts: [100, 200], values: [1, 2] },
      { topic: 'a', field: 'h', ts: [100], values: [10] },
      { topic: 'b', field: '', ts: [150, 300], values: [5, 6] },
    ]);
  });
  it('puts every series on one axis with nulls where a series has no point', () => {
    expect(align(toSeries(rs))).toEqual({
      x: [100, 150, 200, 300],
      ys: [
        [1, null, 2, null],
        [10, null, null, null],
        [null, 5, null, 6],
      ],
    });
  });
  it('gives one series as it is', () => {
    const [a] = toSeries(rs);
    const got = align([a]);
    expect(got).toEqual({ x: [100, 200], ys: [[1, 2]] });
    expect(got.x).toBe(a.ts);
  });
  it('aligns nothing to nothing', () => {
    expect(align([])).toEqual({ x: [], ys: [] });
  });
});

describe('appendSeries', () => {
  it('adds newer points, new fields as new series, and drops points before the last shown', () => {
    const s = toSeries([r(1, 'a', { t: 1 }, 100), r(2, 'a', { t: 2 }, 200)]);
    const out = appendSeries(s, [r(0, 'a', { t: 9 }, 50), r(3, 'a', { t: 3, h: 1 }, 200), r(4, 'a', { t: 4 }, 300)]);
    expect(out).toEqual([
      { topic: 'a', field: 't', ts: [100, 200, 200, 300], values: [1, 2, 3, 4] },
      { topic: 'a', field: 'h', ts: [200], values: [1] },
    ]);
    expect(s[0].ts).toEqual([100, 200]); // the shown series are not changed in place
  });
});

describe('trimSeries', () => {
  const s = toSeries([r(1, 'a', { t: 1, h: 5 }, 100), r(2, 'a', { t: 2 }, 200), r(3, 'a', { t: 3 }, 300)]);
  it('drops points before from and series left empty', () => {
    expect(trimSeries(s, 200)).toEqual([{ topic: 'a', field: 't', ts: [200, 300], values: [2, 3] }]);
  });
  it('keeps the same array when nothing goes', () => {
    expect(trimSeries(s, 100)).toBe(s);
  });
});

describe('topics', () => {
  const list = topicsOf([r(9, 'home/b/temp', 21, 900), r(8, 'home/a/temp', { t: 1 }, 800), r(7, 'home/b/temp', 20, 700), r(6, 'Garage', 'open', 600)]);
  it('lists each topic once with its newest reading, sorted', () => {
    expect(list).toEqual([
      { topic: 'Garage', ts: 600, payload: 'open' },
      { topic: 'home/a/temp', ts: 800, payload: { t: 1 } },
      { topic: 'home/b/temp', ts: 900, payload: 21 },
    ]);
  });
  it.each([
    ['', 3],
    ['garage', 1],
    ['TEMP', 2],
    ['home/+/temp', 2],
    ['home/#', 2],
    ['home/a', 1],
    ['home/+', 0],
  ])('filter %j keeps %d', (f, n) => {
    expect(filterTopics(list, f)).toHaveLength(n);
  });
  it.each([
    ['#', 'a/b', true],
    ['a/#', 'a', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
  ])('mqttMatch(%j, %j) is %s', (f, t, want) => {
    expect(mqttMatch(f, t)).toBe(want);
  });
  it('cuts long values', () => {
    expect(shortValue({ a: 'x'.repeat(100) }, 10)).toBe('{"a":"xxx…');
    expect(shortValue('on')).toBe('on');
  });
});

describe('ranges and roll-ups', () => {
  it('ends a preset at now, inclusive', () => {
    expect(rangeOf('hour', 10_000_000)).toEqual({ from: 10_000_000 - 3600_000, to: 10_000_001 });
  });
  it.each([
    ['an hour: raw', 3600_000, 0],
    ['a day: raw', 24 * 3600_000, 0],
    ['a week: 15 min', 7 * 24 * 3600_000, 900_000],
    ['a year: 12 h', 365 * 24 * 3600_000, 12 * 3600_000],
    ['ten years: whole days', 3650 * 24 * 3600_000, 4 * 24 * 3600_000],
  ])('%s', (_, span, want) => {
    expect(bucketFor({ from: 0, to: span + 1 })).toBe(want);
  });
  it('charts bucket averages of its topic', () => {
    const b = [
      { topic: 'a', ts: 0, count: 2, min: 1, max: 3, avg: 2 },
      { topic: 'b', ts: 0, count: 1, min: 9, max: 9, avg: 9 },
      { topic: 'a', ts: 60, count: 0, min: null, max: null, avg: null },
      { topic: 'a', ts: 120, count: 1, min: 4, max: 4, avg: 4 },
    ];
    expect(bucketSeries('a', 't', b)).toEqual({ topic: 'a', field: 't', ts: [0, 120], values: [2, 4] });
  });
});

describe('toCSV', () => {
  it('writes the window’s points by time, quoting what needs it', () => {
    const s = toSeries([r(1, 'a,b', { t: 1 }, 0), r(2, 'c', 2, 1000), r(3, 'a,b', { t: 3 }, 1000), r(4, 'c', 4, 5000)]);
    expect(toCSV(s, 0, 1000)).toBe(
      'time,ts,topic,field,value\r\n' +
        '1970-01-01T00:00:00.000Z,0,"a,b",t,1\r\n' +
        '1970-01-01T00:00:01.000Z,1000,"a,b",t,3\r\n' +
        '1970-01-01T00:00:01.000Z,1000,c,,2\r\n',
    );
  });
});
