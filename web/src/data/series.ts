// The data tab's pure part: stored readings (GET /api/data) turned into
// chart series of their numeric fields, several series on one time axis,
// the topics list, ranges and roll-up buckets, and CSV of a time window.

/** Reading is one row of /api/data (ts in milliseconds since the epoch). */
export interface Reading {
  id: number;
  topic: string;
  payload: unknown;
  ts: number;
}

/** Bucket is one row of /api/data with interval: the numeric field's
 * count, min, max and avg over [ts, ts + interval). */
export interface Bucket {
  topic: string;
  ts: number;
  count: number;
  min: number | null;
  max: number | null;
  avg: number | null;
}

/** Series is one numeric field of one topic over time, ts ascending.
 * field is a path into the payload as the store's field parameter writes
 * it ("temp", "a.b", "list[0]"), "" for a numeric payload. */
export interface Series {
  topic: string;
  field: string;
  ts: number[];
  values: number[];
}

export const seriesLabel = (s: Pick<Series, 'topic' | 'field'>) => (s.field ? `${s.topic} ${s.field}` : s.topic);

/** Bounds on what one payload contributes: nesting depth and fields. */
export const maxDepth = 3;
export const maxFields = 20;

const identRe = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** numberOf is v as a chart value: numbers, numeric strings ("21.5", as
 * MQTT delivers them) and booleans as 1 and 0; null for anything else. */
export function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** numericFields lists the chartable fields of a payload as [path, value],
 * in the payload's key order, at most maxFields of them, maxDepth deep.
 * Keys the store's field syntax cannot name are skipped. */
export function numericFields(payload: unknown): [string, number][] {
  const out: [string, number][] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= maxFields) return;
    const n = numberOf(v);
    if (n !== null) {
      out.push([path, n]);
      return;
    }
    if (depth >= maxDepth || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((e, i) => walk(e, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const [k, e] of Object.entries(v)) {
      if (identRe.test(k)) walk(e, path ? `${path}.${k}` : k, depth + 1);
    }
  };
  walk(payload, '', 0);
  return out;
}

/** toSeries groups readings (ts ascending) into one series per topic and
 * numeric field, in order of first appearance. */
export function toSeries(readings: Reading[]): Series[] {
  const by = new Map<string, Series>();
  for (const r of readings) {
    for (const [field, v] of numericFields(r.payload)) {
      const key = r.topic + '\u0000' + field;
      let s = by.get(key);
      if (!s) {
        s = { topic: r.topic, field, ts: [], values: [] };
        by.set(key, s);
      }
      s.ts.push(r.ts);
      s.values.push(v);
    }
  }
  return [...by.values()];
}

/** bucketSeries is the series of one field's roll-up: each bucket's
 * average at the bucket's start. */
export function bucketSeries(topic: string, field: string, buckets: Bucket[]): Series {
  const s: Series = { topic, field, ts: [], values: [] };
  for (const b of buckets) {
    if (b.topic !== topic || b.avg === null) continue;
    s.ts.push(b.ts);
    s.values.push(b.avg);
  }
  return s;
}

/** Aligned is series on one time axis, as uPlot draws them: x ascending,
 * ys[i][j] the value of series i at x[j] or null where it has none. */
export interface Aligned {
  x: number[];
  ys: (number | null)[][];
}

/** align merges the series' times into one axis (equal times share a
 * slot). Each series must be ts ascending. One series is given as it is
 * (its arrays, not copies). */
export function align(series: Series[]): Aligned {
  if (series.length === 1) return { x: series[0].ts, ys: [series[0].values] }; // shared, not copied
  const idx = series.map(() => 0);
  const x: number[] = [];
  const ys: (number | null)[][] = series.map(() => []);
  for (;;) {
    let t = Infinity;
    for (let i = 0; i < series.length; i++) if (idx[i] < series[i].ts.length && series[i].ts[idx[i]] < t) t = series[i].ts[idx[i]];
    if (t === Infinity) break;
    x.push(t);
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      if (idx[i] < s.ts.length && s.ts[idx[i]] === t) ys[i].push(s.values[idx[i]++]);
      else ys[i].push(null);
    }
  }
  return { x, ys };
}

/** TopicInfo is a stored topic with its newest reading (and, from
 * GET /api/data/topics, that reading's id and the topic's count). */
export interface TopicInfo {
  topic: string;
  ts: number;
  payload: unknown;
  id?: number;
  count?: number;
}

/** withNewest updates the topics list with a topic's newer readings
 * (pushed live): its last value and time, and its count; a topic not
 * listed yet is added in order. The list is returned as it is when
 * nothing is newer. */
export function withNewest(list: TopicInfo[], topic: string, readings: Reading[]): TopicInfo[] {
  if (readings.length === 0) return list;
  let end = readings[0];
  for (const r of readings) if (r.ts > end.ts || (r.ts === end.ts && r.id > end.id)) end = r;
  const i = list.findIndex((t) => t.topic === topic);
  const old = i >= 0 ? list[i] : undefined;
  const count = (old?.count ?? 0) + readings.length;
  const newer = !old || end.ts > old.ts || (end.ts === old.ts && end.id > (old.id ?? 0));
  const info: TopicInfo = newer ? { topic, ts: end.ts, payload: end.payload, id: end.id, count } : { ...old, count };
  const out = list.slice();
  if (i >= 0) out[i] = info;
  else {
    const k = out.findIndex((t) => t.topic > topic);
    out.splice(k < 0 ? out.length : k, 0, info);
  }
  return out;
}

/** topicsOf lists the topics of readings given newest first, each with
 * its newest reading, sorted by topic. */
export function topicsOf(newestFirst: Reading[]): TopicInfo[] {
  const seen = new Map<string, TopicInfo>();
  for (const r of newestFirst) if (!seen.has(r.topic)) seen.set(r.topic, { topic: r.topic, ts: r.ts, payload: r.payload });
  return [...seen.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

/** mqttMatch tells whether topic matches an MQTT filter (+ one level,
 * # the rest). */
export function mqttMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** filterTopics keeps the topics a filter names: an MQTT filter when it
 * has + or #, else a case-insensitive substring. */
export function filterTopics(list: TopicInfo[], filter: string): TopicInfo[] {
  const f = filter.trim();
  if (f === '') return list;
  if (/[+#]/.test(f)) return list.filter((t) => mqttMatch(f, t.topic));
  const low = f.toLowerCase();
  return list.filter((t) => t.topic.toLowerCase().includes(low));
}

/** shortValue writes a payload in at most max characters for the list. */
export function shortValue(payload: unknown, max = 40): string {
  let s: string;
  if (typeof payload === 'string') s = payload;
  else {
    try {
      s = JSON.stringify(payload) ?? String(payload);
    } catch {
      s = String(payload);
    }
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export type RangePreset = 'hour' | 'day' | 'week' | 'custom';

export const presetSpan: Record<Exclude<RangePreset, 'custom'>, number> = {
  hour: 3600_000,
  day: 24 * 3600_000,
  week: 7 * 24 * 3600_000,
};

/** Range is [from, to) in milliseconds. */
export interface Range {
  from: number;
  to: number;
}

/** rangeOf is a preset's range ending at now (to is exclusive in the
 * store, so a reading stored at now is in it). */
export function rangeOf(preset: Exclude<RangePreset, 'custom'>, now: number): Range {
  return { from: now - presetSpan[preset], to: now + 1 };
}

/** rawSpan is the longest range charted from raw readings; longer ones
 * use the store's roll-ups (interval aggregation). */
export const rawSpan = 24 * 3600_000;

/** Buckets a roll-up aims at across the range: about one per pixel of a
 * wide chart. */
export const targetBuckets = 1000;

const niceBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600].map((s) => s * 1000);

/** bucketFor is the roll-up interval for a range: 0 (raw readings) up to
 * rawSpan, else the smallest round interval giving at most targetBuckets
 * buckets. */
export function bucketFor(r: Range): number {
  const span = r.to - r.from;
  if (span <= rawSpan + 1000) return 0; // "last day" is a day and a millisecond
  const want = span / targetBuckets;
  return niceBuckets.find((b) => b >= want) ?? Math.ceil(want / 86400_000) * 86400_000;
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** toCSV writes the points of the series within [from, to] as CSV rows
 * time (ISO 8601, UTC), ts (ms), topic, field, value, by time then series
 * order. */
export function toCSV(series: Series[], from: number, to: number): string {
  const rows: [number, number, string][] = [];
  series.forEach((s, i) => {
    const head = `${csvCell(s.topic)},${csvCell(s.field)},`;
    for (let j = 0; j < s.ts.length; j++) {
      const t = s.ts[j];
      if (t >= from && t <= to) rows.push([t, i, `${new Date(t).toISOString()},${t},${head}${s.values[j]}`]);
    }
  });
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return ['time,ts,topic,field,value', ...rows.map((r) => r[2])].join('\r\n') + '\r\n';
}

/** points counts the points of the series. */
export const points = (series: Series[]) => series.reduce((n, s) => n + s.ts.length, 0);

/** appendSeries adds readings not shown yet (live updates) to series:
 * points before a series' last time are dropped, as a line cannot go
 * back; new topic/field pairs become new series. */
export function appendSeries(series: Series[], newer: Reading[]): Series[] {
  const add = toSeries(newer);
  if (add.length === 0) return series;
  const out = series.map((s) => ({ ...s }));
  for (const a of add) {
    const s = out.find((o) => o.topic === a.topic && o.field === a.field);
    if (!s) {
      out.push(a);
      continue;
    }
    const last = s.ts.length ? s.ts[s.ts.length - 1] : -Infinity;
    const k = a.ts.findIndex((t) => t >= last);
    if (k < 0) continue;
    s.ts = s.ts.concat(a.ts.slice(k));
    s.values = s.values.concat(a.values.slice(k));
  }
  return out;
}

/** trimSeries drops the points before from, so a live chart of the last
 * hour holds about an hour; series left empty go too. Series with nothing
 * to drop are kept as they are. */
export function trimSeries(series: Series[], from: number): Series[] {
  let changed = false;
  const out: Series[] = [];
  for (const s of series) {
    let lo = 0;
    let hi = s.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.ts[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) out.push(s);
    else {
      changed = true;
      if (lo < s.ts.length) out.push({ ...s, ts: s.ts.slice(lo), values: s.values.slice(lo) });
    }
  }
  return changed ? out : series;
}
