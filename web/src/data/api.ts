// /api/data for the data tab: read only (GET, so read-only users may look).
// Its answers are {"error": text} on failure and a 401 may be
// httpNodeAuth's rather than the editor's login, so, as hwapi.ts, it does
// not go through api.ts's call and only sends the same token.

import { authToken } from '../api';
import { topicsOf, type Bucket, type Range, type Reading, type TopicInfo } from './series';

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

interface Page<T> {
  data: T[];
  next?: number;
}

async function get<T>(params: Record<string, string | number>, signal?: AbortSignal): Promise<Page<T>> {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const headers = new Headers({ Accept: 'application/json' });
  const token = authToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const r = await fetch(`api/data?${q}`, { headers, signal });
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new DataError(r.status, body.error ?? body.message ?? r.statusText);
  }
  return (await r.json()) as Page<T>;
}

/** getTopics lists the topics among the newest pageLimit readings, each
 * with its newest reading. The store has no list of topics: a topic with
 * no reading among those is missing (and can still be typed in the
 * filter). */
export async function getTopics(signal?: AbortSignal): Promise<{ topics: TopicInfo[]; partial: boolean }> {
  const page = await get<Reading>({ order: 'desc', limit: pageLimit }, signal);
  return { topics: topicsOf(page.data), partial: page.next !== undefined };
}

/** getReadings pages through a topic's readings in r, oldest first, up to
 * maxRaw of them; cut tells whether there were more. A topic with MQTT
 * wildcards is matched exactly here. */
export async function getReadings(topic: string, r: Range, signal?: AbortSignal, afterID = 0): Promise<{ readings: Reading[]; cut: boolean }> {
  const out: Reading[] = [];
  let offset = 0;
  for (;;) {
    const page = await get<Reading>({ topic, from: r.from, to: r.to, limit: pageLimit, offset }, signal);
    for (const d of page.data) if (d.topic === topic && d.id > afterID) out.push(d);
    if (page.next === undefined) return { readings: out, cut: false };
    if (out.length >= maxRaw) return { readings: out, cut: true };
    offset = page.next;
  }
}

/** getBuckets is a topic's roll-up of one field: buckets of interval ms
 * over r (at most pageLimit of them). */
export async function getBuckets(topic: string, field: string, interval: number, r: Range, signal?: AbortSignal): Promise<Bucket[]> {
  const page = await get<Bucket>({ topic, from: r.from, to: r.to, interval, field, limit: pageLimit }, signal);
  return page.data.filter((b) => b.topic === topic);
}
