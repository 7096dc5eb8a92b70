// The data sidebar: the time-series store's topics (filter, last value and
// time) and a line chart of the chosen topics' numeric fields over a range,
// raw readings up to a day and the store's roll-ups beyond, following new
// readings while live (pushed on /comms as data/<topic>; polled while the
// websocket is down), and the shown window as CSV. Read only: a read-only
// user may look. The sidebar imports this module, with the chart (uPlot),
// when the tab first opens.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { authToken } from '../api';
import { connectComms } from '../comms';
import { getBuckets, getReadings, getTopics } from '../data/api';
import { fresh, liveTopics, pushedOf, type Last } from '../data/live';
import {
  appendSeries,
  bucketFor,
  bucketSeries,
  filterTopics,
  numericFields,
  points,
  presetSpan,
  rangeOf,
  shortValue,
  toCSV,
  toSeries,
  trimSeries,
  type Range,
  type RangePreset,
  type Reading,
  type Series,
  type TopicInfo,
  withNewest,
} from '../data/series';
import Chart from '../data/Chart';
import '../data/data.css';
import { useStore } from '../store';

/** livePollMs is how often a live chart moves its window on, and, while
 * /comms is down, asks for newer readings. */
const livePollMs = 2000;
/** topicsPollMs is how often the open tab refreshes the topics list. */
const topicsPollMs = 10000;

const localInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
};

export default function DataTab() {
  const ask = useStore((s) => s.dataTopic);
  const [topics, setTopics] = useState<TopicInfo[]>([]);
  const [filter, setFilter] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [preset, setPreset] = useState<RangePreset>('hour');
  const [custom, setCustom] = useState(() => ({ from: localInput(Date.now() - 3600_000), to: localInput(Date.now()) }));
  const [live, setLive] = useState(true);
  const [range, setRange] = useState<Range>(() => rangeOf('hour', Date.now()));
  const [zoom, setZoom] = useState<Range | null>(null);
  const [series, setSeries] = useState<Series[]>([]);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const last = useRef<Last>({});
  const zoomed = useRef(false);
  zoomed.current = zoom !== null;

  // the topics list, refreshed while the tab is open
  const loadTopics = useCallback(() => {
    getTopics().then(setTopics, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    loadTopics();
    const t = setInterval(loadTopics, topicsPollMs);
    return () => clearInterval(t);
  }, [loadTopics]);

  // "show data" on a store in node
  useEffect(() => {
    if (!ask) return;
    setFilter(ask.topic);
    if (ask.topic) setChosen([ask.topic]);
  }, [ask]);

  // the range of the preset (now) or of the custom inputs
  const rangeNow = useCallback((): Range | null => {
    if (preset !== 'custom') return rangeOf(preset, Date.now());
    const from = new Date(custom.from).getTime();
    const to = new Date(custom.to).getTime();
    return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : null;
  }, [preset, custom]);
  useEffect(() => {
    const r = rangeNow();
    if (r) setRange(r);
    setZoom(null);
  }, [rangeNow]);

  // the chosen topics' series over the range
  const byTopic = useMemo(() => new Map(topics.map((t) => [t.topic, t])), [topics]);
  const fieldsRef = useRef(byTopic);
  fieldsRef.current = byTopic;
  const loadKey = `${chosen.join('\n')}|${preset === 'custom' ? `${range.from}-${range.to}` : preset}`;
  useEffect(() => {
    if (chosen.length === 0) {
      setSeries([]);
      setNote('');
      return;
    }
    const ac = new AbortController();
    const r = preset === 'custom' ? range : rangeOf(preset, Date.now());
    const interval = bucketFor(r);
    setLoading(true);
    setError('');
    last.current = {};
    const load = async (): Promise<[Series[], string]> => {
      if (interval === 0) {
        const parts = await Promise.all(chosen.map((t) => getReadings(t, r, ac.signal)));
        const all: Reading[] = [];
        parts.forEach((p, i) => {
          for (const d of p.readings) all.push(d); // not push(...): a million arguments overflow the stack
          const end = p.readings[p.readings.length - 1];
          if (end) last.current[chosen[i]] = { ts: end.ts, id: end.id };
        });
        const cut = parts.some((p) => p.cut);
        return [toSeries(all), cut ? 'more readings than shown: choose a shorter range' : ''];
      }
      const jobs = chosen.flatMap((t) => {
        const info = fieldsRef.current.get(t);
        const fields = info ? numericFields(info.payload).map(([f]) => f) : [''];
        return fields.map((f) => getBuckets(t, f, interval, r, ac.signal).then((b) => bucketSeries(t, f, b)));
      });
      const s = (await Promise.all(jobs)).filter((x) => x.ts.length > 0);
      for (const x of s) last.current[x.topic] = { ts: r.to, id: 0 };
      return [s, `averages per ${interval >= 3600_000 ? `${interval / 3600_000} h` : interval >= 60_000 ? `${interval / 60_000} min` : `${interval / 1000} s`}`];
    };
    load().then(
      ([s, n]) => {
        if (ac.signal.aborted) return;
        setSeries(s);
        setNote(n);
        setRange(r);
        setZoom(null);
        setLoading(false);
      },
      (e: Error) => {
        if (ac.signal.aborted) return;
        setError(e.message);
        setLoading(false);
      },
    );
    return () => ac.abort();
    // loadKey names what a load depends on
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadKey]);

  // live: newer readings of the chosen topics are appended, as /comms
  // pushes them (data/<topic>) or, while it is down, as a poll finds
  // them; the window follows now unless zoomed
  const following = live && preset !== 'custom';
  useEffect(() => {
    if (!following || chosen.length === 0 || loading) return;
    const span = presetSpan[preset as keyof typeof presetSpan];
    let busy = false;
    let stopped = false; // an answer after the topics or range changed is dropped
    let pushing = false; // /comms is up: no polling
    const show = (newer: Reading[], now: number) => {
      newer.sort((a, b) => a.ts - b.ts || a.id - b.id);
      setSeries((s) => trimSeries(newer.length > 0 ? appendSeries(s, newer) : s, now - span));
      if (!zoomed.current) setRange({ from: now - span, to: now + 1 });
    };
    // newer asks for a topic's readings after the last one taken (key paging)
    const newer = async (t: string, now: number): Promise<Reading[]> => {
      const l = last.current[t];
      const { readings } = await getReadings(t, { from: l ? l.ts : now - span, to: now + span }, undefined, l?.id ?? 0);
      const end = readings[readings.length - 1];
      if (end && !stopped) last.current[t] = { ts: end.ts, id: end.id };
      return readings;
    };
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const now = Date.now();
        const got: Reading[] = [];
        if (!pushing) for (const t of chosen) for (const d of await newer(t, now)) got.push(d);
        if (!stopped) show(got, now);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      } finally {
        busy = false;
      }
    };
    const onItems = (items: { topic: string; data: unknown }[]) => {
      const now = Date.now();
      const got: Reading[] = [];
      for (const it of items) {
        const p = pushedOf(it, chosen);
        if (!p) continue;
        setTopics((list) => withNewest(list, p.topic, p.readings));
        if (p.more) {
          // readings were left out of the message: read them
          newer(p.topic, now).then(
            (rs) => !stopped && show(rs, Date.now()),
            (e: Error) => !stopped && setError(e.message),
          );
          continue;
        }
        for (const d of fresh(p, last.current, now - span)) got.push(d);
      }
      if (got.length > 0 && !stopped) show(got, now);
    };
    const stop = connectComms(
      {
        onItems,
        onState: (up) => {
          pushing = up;
          if (up) void tick(); // what was stored while it was down
        },
      },
      undefined,
      authToken,
      liveTopics(chosen),
    );
    const t = setInterval(tick, livePollMs);
    return () => {
      stopped = true;
      clearInterval(t);
      stop();
    };
  }, [following, chosen, preset, loading]);

  const onWindow = useCallback(
    (from: number, to: number) => {
      setZoom(Math.abs(from - range.from) > 1 || Math.abs(to - range.to) > 1 ? { from, to } : null);
    },
    [range],
  );
  const shown = zoom ?? range;

  const exportCSV = () => {
    const blob = new Blob([toCSV(series, shown.from, shown.to)], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replaceAll(':', '');
    a.download = `data-${stamp(shown.from)}-${stamp(shown.to)}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
  };

  const listed = filterTopics(topics, filter);
  const toggle = (t: string) => setChosen((c) => (c.includes(t) ? c.filter((x) => x !== t) : [...c, t]));
  // when nothing matches, the filter as a topic: one with nothing stored
  // yet can be followed live
  const typed = filter.trim();
  const extra = listed.length === 0 && typed && !/[+#]/.test(typed) ? typed : '';

  return (
    <div className="fg-info fg-data" aria-label="data">
      <div className="fg-data-head">
        <input type="search" placeholder="filter topics (+ and # too)" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter topics" />
        <button onClick={loadTopics} title="refresh the topics">
          ↻
        </button>
      </div>
      <ul className="fg-data-topics" aria-label="topics">
        {listed.map((t) => (
          <li key={t.topic} data-topic={t.topic} className={chosen.includes(t.topic) ? 'on' : ''}>
            <label>
              <input type="checkbox" checked={chosen.includes(t.topic)} onChange={() => toggle(t.topic)} />
              <span className="fg-data-topic">{t.topic}</span>
            </label>
            <span className="fg-data-last" title={`${new Date(t.ts).toLocaleString()}${t.count !== undefined ? ` · ${t.count} readings` : ''}`}>
              {shortValue(t.payload)} <small>{new Date(t.ts).toLocaleTimeString()}</small>
            </span>
          </li>
        ))}
        {extra && (
          <li data-topic={extra} className={chosen.includes(extra) ? 'on' : ''}>
            <label>
              <input type="checkbox" checked={chosen.includes(extra)} onChange={() => toggle(extra)} />
              <span className="fg-data-topic">{extra}</span>
            </label>
            <span className="fg-data-last">nothing stored yet</span>
          </li>
        )}
        {listed.length === 0 && !extra && <li className="fg-hw-none">{topics.length ? 'no topic matches' : 'nothing stored yet (a store in node stores readings)'}</li>}
      </ul>
      <div className="fg-data-range">
        {(['hour', 'day', 'week', 'custom'] as const).map((p) => (
          <button key={p} className={preset === p ? 'on' : ''} onClick={() => setPreset(p)}>
            {p === 'custom' ? 'custom' : `last ${p}`}
          </button>
        ))}
        <span className="fg-spacer" />
        <label className="fg-check" title="follow new readings">
          <input type="checkbox" checked={live} disabled={preset === 'custom'} onChange={(e) => setLive(e.target.checked)} /> live
        </label>
      </div>
      {preset === 'custom' && (
        <div className="fg-data-range">
          <input type="datetime-local" aria-label="from" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.target.value })} />
          <input type="datetime-local" aria-label="to" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.target.value })} />
        </div>
      )}
      {error && <div className="fg-hw-error">{error}</div>}
      {chosen.length > 0 && (
        <>
          <Chart series={series} from={range.from} to={range.to} onWindow={onWindow} />
          <div className="fg-data-foot">
            <span className="fg-data-count">
              {loading ? 'loading…' : `${points(series)} points`}
              {note && ` · ${note}`}
            </span>
            <span className="fg-spacer" />
            {zoom && (
              <button
                onClick={() => {
                  setZoom(null);
                  setRange({ ...range, to: range.to + 1 }); // a new from-to: the chart shows it again
                }}
              >
                reset zoom
              </button>
            )}
            <button onClick={exportCSV} disabled={series.length === 0} title="the points of the shown window as CSV">
              export CSV
            </button>
          </div>
          <div className="fg-hw-none">drag to zoom, wheel to zoom, shift-drag to pan, double-click for all</div>
        </>
      )}
    </div>
  );
}
