import { afterEach, describe, expect, it, vi } from 'vitest';
import { getReadings, getTopics } from './api';
import { fresh, liveTopics, pushedOf, type Last } from './live';
import { withNewest, type TopicInfo } from './series';

describe('live readings from /comms', () => {
  it('subscribes to the chosen topics, never to their wildcards', () => {
    expect(liveTopics(['home/a', 'home/+/t', 'x/#', 'b'])).toEqual(['data/home/a', 'data/b']);
  });

  it('reads a pushed item of a chosen topic, and nothing else', () => {
    const item = { topic: 'data/a', data: { topic: 'a', readings: [{ id: 3, payload: { t: 1 }, ts: 30 }, { id: 'x' }] } };
    expect(pushedOf(item, ['a'])).toEqual({ topic: 'a', readings: [{ id: 3, topic: 'a', payload: { t: 1 }, ts: 30 }], more: false });
    expect(pushedOf(item, ['b'])).toBeNull();
    expect(pushedOf({ topic: 'debug', data: item.data }, ['a'])).toBeNull();
    expect(pushedOf({ topic: 'data/a', data: null }, ['a'])).toBeNull();
    expect(pushedOf({ topic: 'data/a', data: { ...item.data, more: true } }, ['a'])?.more).toBe(true);
  });

  it('takes each reading once, in time order, and moves the last on', () => {
    const last: Last = { a: { ts: 20, id: 2 } };
    const p = {
      topic: 'a',
      more: false,
      readings: [
        { id: 2, topic: 'a', payload: 1, ts: 20 }, // shown already
        { id: 4, topic: 'a', payload: 3, ts: 40 },
        { id: 5, topic: 'a', payload: 2, ts: 35 },
        { id: 6, topic: 'a', payload: 0, ts: 1 }, // before the window
        { id: 7, topic: 'a', payload: 0, ts: 15 }, // late: before the last shown
      ],
    };
    expect(fresh(p, last, 10).map((r) => r.id)).toEqual([5, 4]);
    expect(last.a).toEqual({ ts: 40, id: 4 });
    expect(fresh(p, last, 10)).toEqual([]);
  });

  it('keeps the topics list current from pushed readings', () => {
    const list: TopicInfo[] = [
      { topic: 'a', ts: 10, payload: 1, id: 1, count: 1 },
      { topic: 'c', ts: 10, payload: 1, id: 2, count: 5 },
    ];
    const r = (id: number, topic: string, ts: number) => ({ id, topic, ts, payload: id });
    expect(withNewest(list, 'c', [r(7, 'c', 30), r(8, 'c', 20)])[1]).toEqual({ topic: 'c', ts: 30, payload: 7, id: 7, count: 7 });
    expect(withNewest(list, 'b', [r(9, 'b', 5)]).map((t) => t.topic)).toEqual(['a', 'b', 'c']);
    expect(withNewest(list, 'a', [r(3, 'a', 5)])[0]).toEqual({ topic: 'a', ts: 10, payload: 1, id: 1, count: 2 }); // late: counted, not newest
    expect(withNewest(list, 'a', [])).toBe(list);
  });
});

describe('the data API', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('pages raw readings by key: each page asks after the last id', async () => {
    const asked: string[] = [];
    const pages: Record<string, object> = {
      '': { limit: 10000, offset: 0, next: 10000, data: [{ id: 1, topic: 'a', payload: 1, ts: 1 }, { id: 2, topic: 'a', payload: 2, ts: 2 }] },
      '2': { limit: 10000, after: 2, next_after: 5, data: [{ id: 5, topic: 'a', payload: 5, ts: 3 }] },
      '5': { limit: 10000, after: 5, data: [{ id: 6, topic: 'a', payload: 6, ts: 4 }] },
    };
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url);
      const after = new URL(url, 'http://x/').searchParams.get('after') ?? '';
      return new Response(JSON.stringify(pages[after]), { status: 200 });
    });
    const got = await getReadings('a', { from: 0, to: 10 });
    expect(got.readings.map((r) => r.id)).toEqual([1, 2, 5, 6]);
    expect(got.cut).toBe(false);
    expect(asked.every((u) => !u.includes('offset='))).toBe(true);
    expect(asked[2]).toContain('after=5');
  });

  it('lists topics from /api/data/topics', async () => {
    vi.stubGlobal('fetch', async (url: string) => {
      expect(url.startsWith('api/data/topics?')).toBe(true);
      return new Response(JSON.stringify({ topics: [{ topic: 'a', count: 3, id: 3, payload: 1, ts: 9 }] }), { status: 200 });
    });
    expect(await getTopics()).toEqual([{ topic: 'a', count: 3, id: 3, payload: 1, ts: 9 }]);
  });
});
