// capture.js writes ../locales.json.gz: the locale data Flowgate's Intl uses,
// read from Node.js's own ICU (run with Node 20, full ICU):
//   TZ=UTC node nodes/internal/intl/gen/capture.js
// Date patterns are recovered from formatToParts of a reference date whose
// fields are all single digits; names and number symbols likewise.
'use strict';
const fs = require('fs');
const path = require('path');

const LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-CA', 'en-IN', 'en-IE', 'en-NZ', 'en-ZA',
  'de-DE', 'de-AT', 'de-CH', 'fr-FR', 'fr-CA', 'fr-CH', 'fr-BE', 'es-ES', 'es-MX', 'es-US', 'it-IT', 'it-CH',
  'nl-NL', 'nl-BE', 'pt-BR', 'pt-PT', 'sv-SE', 'da-DK', 'nb-NO', 'fi-FI', 'pl-PL', 'cs-CZ', 'sk-SK', 'hu-HU',
  'ro-RO', 'el-GR', 'ru-RU', 'uk-UA', 'tr-TR', 'ja-JP', 'zh-CN', 'zh-TW', 'ko-KR', 'he-IL', 'id-ID', 'th-TH', 'vi-VN'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD', 'AUD', 'NZD', 'CNY', 'INR', 'SEK', 'NOK', 'DKK',
  'PLN', 'CZK', 'HUF', 'RUB', 'UAH', 'TRY', 'KRW', 'BRL', 'MXN', 'ZAR', 'ILS', 'HKD', 'SGD', 'TWD', 'THB', 'IDR', 'VND', 'RON'];

const skipped = [];
const ref = new Date(Date.UTC(2026, 0, 5, 3, 4, 5, 6)); // Monday 5 January 2026, 03:04:05.006

function names(loc, opts, field, dates) {
  return dates.map((d) => new Intl.DateTimeFormat(loc, { timeZone: 'UTC', ...opts }).formatToParts(d).find((p) => p.type === field).value);
}
const monthDates = [...Array(12).keys()].map((m) => new Date(Date.UTC(2026, m, 5, 3)));
const dayDates = [...Array(7).keys()].map((i) => new Date(Date.UTC(2026, 0, 4 + i, 3))); // Sunday first

function tokens(loc, opts, nm, dp) {
  const f = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', ...opts });
  const hc = f.resolvedOptions().hourCycle;
  const out = [];
  for (const p of f.formatToParts(ref)) {
    const v = p.value;
    let t;
    switch (p.type) {
      case 'literal': t = "'" + v; break;
      case 'year': t = v === '2026' ? 'y' : v === '26' ? 'yy' : null; break;
      case 'month':
        if (v === '1') t = 'M'; else if (v === '01') t = 'MM';
        else {
          for (const [k, list] of Object.entries(nm)) if (list[0] === v) { t = k; break; }
        }
        break;
      case 'day': t = v === '5' ? 'd' : v === '05' ? 'dd' : null; break;
      case 'weekday':
        for (const [k, list] of Object.entries(nm)) if (k[0] === 'E' && list[1] === v) { t = k; break; }
        break;
      case 'hour': {
        const l = { h12: 'h', h11: 'K', h23: 'H', h24: 'k' }[hc];
        t = v === '3' ? l : v === '03' ? l + l : null; break;
      }
      case 'minute': t = v === '4' ? 'm' : v === '04' ? 'mm' : null; break;
      case 'second': t = v === '5' ? 's' : v === '05' ? 'ss' : null; break;
      case 'dayPeriod': t = 'a'; break;
      case 'timeZoneName': t = 'z'; break;
      case 'era': t = 'G'; break;
      default: t = null;
    }
    if (t == null) { skipped.push(`${loc} ${JSON.stringify(opts)}: ${p.type}=${v}`); return null; }
    // merge adjacent literals
    if (t[0] === "'" && out.length && out[out.length - 1][0] === "'") out[out.length - 1] += v; else out.push(t);
  }
  return out;
}

// put records pattern t under key k: the locale's list of distinct patterns
// and, per key of the global key list, an index into it (-1: none).
const keys = [];
const keyIndex = {};
function put(d, k, t) {
  if (!(k in keyIndex)) { keyIndex[k] = keys.length; keys.push(k); }
  if (!t) return;
  const s = t.join('\t');
  let i = d.pats.indexOf(s);
  if (i < 0) { i = d.pats.length; d.pats.push(s); }
  d.idx[keyIndex[k]] = i;
}

function dateData(loc) {
  const nm = {
    MMMM: names(loc, { month: 'long', day: 'numeric' }, 'month', monthDates),
    MMM: names(loc, { month: 'short', day: 'numeric' }, 'month', monthDates),
    MMMMM: names(loc, { month: 'narrow', day: 'numeric' }, 'month', monthDates),
    LLLL: names(loc, { month: 'long' }, 'month', monthDates),
    LLL: names(loc, { month: 'short' }, 'month', monthDates),
    LLLLL: names(loc, { month: 'narrow' }, 'month', monthDates),
    EEEE: names(loc, { weekday: 'long' }, 'weekday', dayDates),
    E: names(loc, { weekday: 'short' }, 'weekday', dayDates),
    EEEEE: names(loc, { weekday: 'narrow' }, 'weekday', dayDates),
  };
  const dpOf = (h) => {
    const p = new Intl.DateTimeFormat(loc, { timeZone: 'UTC', hour: 'numeric', hour12: true }).formatToParts(new Date(Date.UTC(2026, 0, 5, h))).find((x) => x.type === 'dayPeriod');
    return p ? p.value : '';
  };
  const d = { names: nm, am: dpOf(3), pm: dpOf(15), pats: [], idx: [] };
  d.hc = new Intl.DateTimeFormat(loc, { hour: 'numeric' }).resolvedOptions().hourCycle;
  d.hc12 = new Intl.DateTimeFormat(loc, { hour: 'numeric', hour12: true }).resolvedOptions().hourCycle;
  d.hc24 = new Intl.DateTimeFormat(loc, { hour: 'numeric', hour12: false }).resolvedOptions().hourCycle;
  for (const w of ['', 'short', 'long', 'narrow']) for (const y of ['', 'numeric']) for (const m of ['', 'numeric', 'short', 'long']) for (const dd of ['', 'numeric'])
    for (const h of ['', '12', '24']) for (const mi of ['', 'numeric']) for (const s of ['', 'numeric']) {
      const o = {};
      if (w) o.weekday = w; if (y) o.year = y; if (m) o.month = m; if (dd) o.day = dd;
      if (h) { o.hour = 'numeric'; o.hour12 = h === '12'; } if (mi) o.minute = mi; if (s) o.second = s;
      if (!Object.keys(o).length) continue;
      put(d, [w, y, m, dd, h, mi, s].map((x) => x[0] || '-').join(''), tokens(loc, o, nm));
      if ((h || mi || s) && !w && (m === '' || m === 'numeric')) {
        o.timeZoneName = 'short';
        put(d, [w, y, m, dd, h, mi, s].map((x) => x[0] || '-').join('') + 'z', tokens(loc, o, nm));
      }
    }
  for (const ds of ['', 'full', 'long', 'medium', 'short']) for (const ts of ['', 'full', 'long', 'medium', 'short']) for (const h of ['', '12', '24']) {
    if (!ds && !ts) continue;
    if (h && !ts) continue;
    const o = {};
    if (ds) o.dateStyle = ds; if (ts) o.timeStyle = ts; if (h) o.hour12 = h === '12';
    put(d, 'S' + ds + '/' + ts + '/' + h, tokens(loc, o, nm));
  }
  return d;
}

function numData(loc) {
  const parts = (v, o) => new Intl.NumberFormat(loc, o).formatToParts(v);
  const p = parts(1234567.891);
  const n = {
    dec: p.find((x) => x.type === 'decimal').value,
    grp: p.find((x) => x.type === 'group').value,
    // grouping: does a four-digit number group; is the secondary group 2 (en-IN)
    min2: parts(1234).every((x) => x.type !== 'group'),
    sec2: parts(12345678).filter((x) => x.type === 'integer').length === 4,
    minus: parts(-1).find((x) => x.type === 'minusSign').value,
    plus: parts(1, { signDisplay: 'always' }).find((x) => x.type === 'plusSign').value,
    nan: parts(NaN)[0].value, inf: parts(Infinity)[0].value,
  };
  // a pattern is the formatted text with the number replaced by #
  const pat = (o) => [1, -1].map((v) => new Intl.NumberFormat(loc, { ...o, minimumFractionDigits: 0, maximumFractionDigits: 0 }).formatToParts(v)
    .map((x) => (x.type === 'integer' ? '#' : x.value)).join(''));
  n.pct = pat({ style: 'percent' });
  n.cur = {};
  for (const c of CURRENCIES) {
    n.cur[c] = {};
    for (const disp of ['symbol', 'narrowSymbol', 'code']) n.cur[c][disp] = pat({ style: 'currency', currency: c, currencyDisplay: disp });
    const n1 = new Intl.NumberFormat(loc, { style: 'currency', currency: c, currencyDisplay: 'name', minimumFractionDigits: 0, maximumFractionDigits: 0 });
    n.cur[c].one = n1.formatToParts(1).map((x) => (x.type === 'integer' ? '#' : x.value)).join('');
    n.cur[c].other = n1.formatToParts(2).map((x) => (x.type === 'integer' ? '#' : x.value)).join('');
    n.cur[c].acct = pat({ style: 'currency', currency: c, currencySign: 'accounting' });
  }
  return n;
}

function listData(loc) {
  const out = {};
  for (const type of ['conjunction', 'disjunction', 'unit']) for (const style of ['long', 'short', 'narrow']) {
    const f = new Intl.ListFormat(loc, { type, style });
    out[type + '/' + style] = [f.format(['{0}', '{1}']), f.format(['{0}', '{1}', '{2}']), f.format(['{0}', '{1}', '{2}', '{3}'])];
  }
  return out;
}

function relData(loc) {
  const out = {};
  for (const style of ['long', 'short', 'narrow']) for (const numeric of ['always', 'auto']) {
    const f = new Intl.RelativeTimeFormat(loc, { style, numeric });
    for (const u of ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year']) {
      const row = {};
      for (const v of [-2, -1, 0, 1, 2]) row[v] = f.formatToParts(v).map((x) => (x.type === 'integer' ? '#' : x.value)).join('');
      // a plural-sensitive form: 5 and 1.5 (other) vs 1 (one), and 3 for few-forms
      for (const v of [-5, 5, -3, 3, 21, -21, 1.5, -1.5]) row[v] = f.formatToParts(v).map((x) => (x.type === 'integer' ? '#' : x.type === 'decimal' ? '' : x.type === 'fraction' ? '' : x.value)).join('');
      out[style + '/' + numeric + '/' + u] = row;
    }
  }
  return out;
}

const data = { keys, node: process.version, icu: process.versions.icu, cldr: process.versions.cldr, currencies: {}, locales: {} };
for (const c of CURRENCIES) data.currencies[c] = new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits;
for (const loc of LOCALES) data.locales[loc] = { date: dateData(loc), num: numData(loc), list: listData(loc) };
if (skipped.length) console.error(skipped.length + ' patterns skipped, e.g. ' + skipped.slice(0, 5).join('; '));
for (const l of Object.values(data.locales)) for (let i = 0; i < keys.length; i++) if (l.date.idx[i] == null) l.date.idx[i] = -1;
fs.writeFileSync(path.join(__dirname, '..', 'locales.json.gz'), require('zlib').gzipSync(JSON.stringify(data), { level: 9 }));
