// Live readings for the data tab: the runtime publishes what the store
// commits on /comms as "data/<topic>" {topic, readings: [{id, payload,
// ts}], more?}, coalesced per topic (a few messages a second at most).
// This is the pure part: topics to subscribe to and pushed items turned
// into readings.

import type { Reading } from './series';

/** Pushed is one data/<topic> message: its readings (id ascending) and
 * whether older ones were left out (read them from /api/data). */
export interface Pushed {
  topic: string;
  readings: Reading[];
  more: boolean;
}

/** liveTopics is the /comms subscriptions for the chosen topics. A
 * chosen topic is matched exactly, so its MQTT wildcards are not
 * subscribed as such (they would match other topics). */
export function liveTopics(chosen: string[]): string[] {
  return chosen.filter((t) => !/[+#]/.test(t)).map((t) => `data/${t}`);
}

/** pushedOf reads a /comms item as pushed readings of one of the chosen
 * topics; null for anything else or anything malformed. */
export function pushedOf(item: { topic: string; data: unknown }, chosen: string[]): Pushed | null {
  if (!item.topic.startsWith('data/')) return null;
  const d = item.data as { topic?: unknown; readings?: unknown; more?: unknown } | null;
  if (!d || typeof d.topic !== 'string' || !chosen.includes(d.topic) || !Array.isArray(d.readings)) return null;
  const topic = d.topic;
  const readings: Reading[] = [];
  for (const r of d.readings as { id?: unknown; ts?: unknown; payload?: unknown }[]) {
    if (r && typeof r.id === 'number' && typeof r.ts === 'number') readings.push({ id: r.id, topic, ts: r.ts, payload: r.payload });
  }
  return { topic, readings, more: d.more === true };
}

/** Last is the newest reading taken of each topic, in the store's order
 * (time, then id), as key paging orders it. */
export type Last = Record<string, { ts: number; id: number }>;

/** fresh returns the pushed readings after the topic's last (a line
 * cannot go back in time) from from on, time ascending, and moves last on
 * to the newest. */
export function fresh(p: Pushed, last: Last, from: number): Reading[] {
  const l = last[p.topic];
  const out = p.readings.filter((r) => (!l || r.ts > l.ts || (r.ts === l.ts && r.id > l.id)) && r.ts >= from);
  out.sort((a, b) => a.ts - b.ts || a.id - b.id);
  const end = out[out.length - 1];
  if (end && (!l || end.ts > l.ts || (end.ts === l.ts && end.id > l.id))) last[p.topic] = { ts: end.ts, id: end.id };
  return out;
}
