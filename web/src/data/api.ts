// /api/data for the data tab: read only (GET, so read-only users may look).
// Its answers are {"error": text} on failure and a 401 may be
// httpNodeAuth's rather than the editor's login, so, as hwapi.ts, it does
// not go through api.ts's call and only sends the same token.

import { authToken } from '../api';
import type { Bucket, Range, Reading, TopicInfo } from './series';

export class DataError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** pageLimit is the store's MaxLimit: readings per request. */
export const pageLimit = 10000;

/** maxRaw bounds the raw readings fetched for one topic; a range with
 * more is cut there (the chart says so). */
export const maxRaw = 1_000_000;

/** Page is one answer of GET /api/data: next_after is the id to ask
 * after for the next page (key paging), when there is one. */
interface Page<T> {
  data: T[];
  next?: number;
  next_after?: number;
}

async function get<T>(path: string, params: Record<string, string | number>, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const headers = new Headers({ Accept: 'application/json' });
  const token = authToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const r = await fetch(`${path}?${q}`, { headers, signal });
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new DataError(r.status, body.error ?? body.message ?? r.statusText);
  }
  return (await r.json()) as T;
}

/** getTopics lists every stored topic with its newest reading and count
 * (GET /api/data/topics: the store keeps these, no readings are read). */
export async function getTopics(signal?: AbortSignal): Promise<TopicInfo[]> {
  const a = await get<{ topics: TopicInfo[] }>('api/data/topics', {}, signal);
  return a.topics;
}

/** getReadings pages through a topic's readings in r, oldest first, up to
 * maxRaw of them, by key (each page asks after the last id of the one
 * before, so a page costs the same however deep); cut tells whether
 * there were more. With after, it starts after that reading. A topic
 * with MQTT wildcards is matched exactly here. */
export async function getReadings(topic: string, r: Range, signal?: AbortSignal, after = 0): Promise<{ readings: Reading[]; cut: boolean }> {
  const out: Reading[] = [];
  for (;;) {
    const params: Record<string, string | number> = { topic, from: r.from, to: r.to, limit: pageLimit };
    if (after > 0) params.after = after;
    const page = await get<Page<Reading>>('api/data', params, signal);
    for (const d of page.data) if (d.topic === topic) out.push(d);
    const next = page.next_after ?? (page.next !== undefined ? page.data[page.data.length - 1]?.id : undefined);
    if (next === undefined) return { readings: out, cut: false };
    if (out.length >= maxRaw) return { readings: out, cut: true };
    after = next;
  }
}

/** getBuckets is a topic's roll-up of one field: buckets of interval ms
 * over r (at most pageLimit of them). */
export async function getBuckets(topic: string, field: string, interval: number, r: Range, signal?: AbortSignal): Promise<Bucket[]> {
  const page = await get<Page<Bucket>>('api/data', { topic, from: r.from, to: r.to, interval, field, limit: pageLimit }, signal);
  return page.data.filter((b) => b.topic === topic);
}
