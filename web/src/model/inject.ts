// The inject node's form as Node-RED's inject.html lays it out: the repeat
// selector (none, interval, interval between times, at a specific time) read
// from and written to the node's repeat and crontab fields, and the property
// list whose payload and topic live in the node's own fields.

export type RepeatKind = 'none' | 'interval' | 'interval-time' | 'time';

/** Repeat is the state of the repeat selector. */
export interface Repeat {
  kind: RepeatKind;
  /** interval: count of units */
  count: string;
  units: 's' | 'm' | 'h';
  /** interval-time: minutes between injections; "0" is Node-RED's "60" */
  every: string;
  /** interval-time: hours, start 0-23, end 1-24 (24 is midnight) */
  start: number;
  end: number;
  /** time: "HH:MM" */
  at: string;
  /** days of the week, 0 = Sunday, as cron numbers them */
  days: number[];
}

export const allDays = [1, 2, 3, 4, 5, 6, 0];
export const dayNames: Record<number, string> = { 0: 'Sunday', 1: 'Monday', 2: 'Tuesday', 3: 'Wednesday', 4: 'Thursday', 5: 'Friday', 6: 'Saturday' };
/** the minutes the "interval between times" menu offers; "0" is every 60 */
export const everyMinutes = ['1', '2', '3', '4', '5', '6', '10', '12', '15', '20', '30', '0'];

export const defaultRepeat: Repeat = { kind: 'none', count: '1', units: 's', every: '1', start: 0, end: 1, at: '12:00', days: [...allDays] };

const parseDays = (f: string | undefined): number[] =>
  !f || f === '*' ? [...allDays] : allDays.filter((d) => f.split(',').includes(String(d)));

/** parseRepeat reads the selector's state from a node's repeat and crontab,
 * as inject.html's oneditprepare does. One difference: Node-RED shows a
 * repeat that is a multiple of 1440 s as hours (a slip for 3600); here a
 * multiple of 3600 s shows as hours, and what is saved is the same. */
export function parseRepeat(repeat: unknown, crontab: unknown): Repeat {
  const r: Repeat = { ...defaultRepeat, days: [...allDays] };
  const rep = Number(repeat);
  if (repeat !== '' && repeat !== undefined && repeat !== null && rep !== 0 && !Number.isNaN(rep)) {
    r.kind = 'interval';
    if (rep % 3600 === 0) [r.units, r.count] = ['h', String(rep / 3600)];
    else if (rep % 60 === 0) [r.units, r.count] = ['m', String(rep / 60)];
    else [r.units, r.count] = ['s', String(rep)];
    return r;
  }
  const cron = typeof crontab === 'string' ? crontab.trim() : '';
  if (!cron) return r;
  const parts = cron.split(/\s+/);
  r.days = parseDays(parts[4]);
  if (parts[0] !== '' && parts[1] !== '' && !Number.isNaN(Number(parts[0])) && !Number.isNaN(Number(parts[1]))) {
    r.kind = 'time';
    r.at = `${parts[1].padStart(2, '0')}:${parts[0].padStart(2, '0')}`;
    return r;
  }
  r.kind = 'interval-time';
  r.every = parts[0].slice(2) || '0';
  const times = (parts[1] ?? '').split(',');
  if (times.length === 1) {
    const hours = times[0].split('-');
    if (hours.length === 1) {
      if (hours[0] === '' || hours[0] === '*') [r.start, r.end] = [0, 24];
      else [r.start, r.end] = [Number(hours[0]), Number(hours[0]) + 1];
    } else [r.start, r.end] = [Number(hours[0]), Number(hours[1]) + 1];
  } else {
    r.start = Number(times[0].split('-')[0]);
    const endParts = times[1].split('-');
    r.end = Number(endParts[endParts.length - 1]) + 1;
  }
  return r;
}

/** formatRepeat writes the selector's state to repeat and crontab exactly
 * as inject.html's oneditsave does (repeat is a string of seconds). */
export function formatRepeat(r: Repeat): { repeat: string; crontab: string } {
  const days = allDays.filter((d) => r.days.includes(d));
  const dayField = days.length === 7 ? '*' : days.join(',');
  switch (r.kind) {
    case 'interval': {
      const n = Number(r.count);
      if (r.units === 's') return { repeat: r.count, crontab: '' };
      return { repeat: String(r.units === 'm' ? n * 60 : n * 3600), crontab: '' };
    }
    case 'interval-time': {
      if (days.length === 0) return { repeat: '', crontab: '' };
      const { start, end } = r;
      let range: string;
      if (end === 0) range = `${start}-23`;
      else if (start + 1 < end) range = `${start}-${end - 1}`;
      else if (start + 1 === end) range = String(start);
      else range = `${start === 23 ? '23' : `${start}-23`},${end === 1 ? '0' : `0-${end - 1}`}`;
      const minutes = r.every === '0' ? '0' : `*/${r.every}`;
      return { repeat: '', crontab: `${minutes} ${range} * * ${dayField}` };
    }
    case 'time': {
      if (days.length === 0) return { repeat: '', crontab: '' };
      const parts = r.at.split(':');
      if (parts.length !== 2) return { repeat: '', crontab: '' };
      const mm = String(parseInt(parts[1], 10) % 60).padStart(2, '0');
      const hh = String(parseInt(parts[0], 10) % 24).padStart(2, '0');
      return { repeat: '', crontab: `${mm} ${hh} * * ${dayField}` };
    }
    default:
      return { repeat: '', crontab: '' };
  }
}

/** InjectProp is one row of the property list with its value in place. */
export interface InjectProp {
  p: string;
  v: string;
  vt: string;
}

const s = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** propRows is the property list of an inject node with payload's and
 * topic's values taken from the node's own fields (oneditprepare). */
export function propRows(n: Record<string, unknown>): InjectProp[] {
  let payloadType = s(n.payloadType);
  if (n.payloadType == null) payloadType = s(n.payload) === '' ? 'date' : 'str';
  else if (payloadType === 'string' || payloadType === 'none') payloadType = 'str';
  const props = Array.isArray(n.props)
    ? (n.props as Record<string, unknown>[])
    : [{ p: 'payload' }, { p: 'topic', vt: 'str' }];
  return props.map((r) => {
    const row: InjectProp = { p: s(r.p), v: s(r.v), vt: s(r.vt) || 'str' };
    if (r.v === undefined) {
      if (row.p === 'payload') [row.v, row.vt] = [s(n.payload), payloadType || 'date'];
      else if (row.p === 'topic' && r.vt === 'str') row.v = s(n.topic);
    }
    if (row.vt === 'string') row.vt = 'str';
    return row;
  });
}

/** saveRows writes the property list back as oneditsave does: rows without
 * a name are dropped, payload's value and type go to payload/payloadType,
 * a string topic to topic. */
export function saveRows(rows: InjectProp[]): { props: Record<string, unknown>[]; payload?: string; payloadType?: string; topic: string } {
  const out: { props: Record<string, unknown>[]; payload?: string; payloadType?: string; topic: string } = { props: [], topic: '' };
  for (const r of rows) {
    if (!r.p) continue;
    if (r.p === 'payload') {
      out.payload = r.v;
      out.payloadType = r.vt;
      out.props.push({ p: r.p });
    } else if (r.p === 'topic' && r.vt === 'str') {
      out.topic = r.v;
      out.props.push({ p: r.p, vt: r.vt });
    } else out.props.push({ p: r.p, v: r.v, vt: r.vt });
  }
  return out;
}

const typeWords: Record<string, string> = { date: 'timestamp', bin: 'buffer', env: 'env variable' };

/** injectLabel is Node-RED's label of an inject node: its name, else its
 * topic and payload, "timestamp" and the like, with " ¹" when it fires once
 * at start and "\t↻" when it repeats. */
export function injectLabel(n: Record<string, unknown>): string {
  let suffix = '';
  if (n.once === true || n.once === 'true') suffix = ' ¹';
  if ((n.repeat && Number(n.repeat) !== 0) || n.crontab) suffix = '\t↻';
  if (typeof n.name === 'string' && n.name) return n.name + suffix;
  const payload = s(n.payload);
  const payloadType = s(n.payloadType) || 'str';
  const topic = s(n.topic);
  if (['string', 'str', 'num', 'bool', 'json'].includes(payloadType)) {
    if (topic !== '' && topic.length + payload.length <= 32) return `${topic}:${payload}${suffix}`;
    if (payload.length > 0 && payload.length < 24) return payload + suffix;
    return 'inject' + suffix;
  }
  if (payloadType === 'date' || payloadType === 'bin' || payloadType === 'env') {
    const w = typeWords[payloadType];
    return (topic !== '' && topic.length <= 16 ? `${topic}:${w}` : w) + suffix;
  }
  if (payloadType === 'flow' || payloadType === 'global') {
    // RED.utils.parseContextKey: an optional #:(store):: prefix
    const m = /^#:\((\S+?)\)::(.*)$/.exec(payload);
    return `${payloadType}.${m ? m[2] : payload}${suffix}`;
  }
  return 'inject' + suffix;
}
