// Node labels as Node-RED's editor computes them: each core type's label
// function in its .html, rewritten here (the words are Node-RED's en-US
// messages). A type not listed shows its name, else its palette label.

import { injectLabel } from './inject';
import type { NRNode } from './types';

type LabelFn = (n: NRNode) => string;

const s = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v));
const named = (fallback: LabelFn): LabelFn => (n) => s(n.name) || fallback(n);
/** contextKey drops a #:(store):: prefix, as RED.utils.parseContextKey */
const contextKey = (k: string) => /^#:\((\S+?)\)::(.*)$/.exec(k)?.[2] ?? k;

/** debugLabel: its name, else the property it shows ("msg.payload", "msg"
 * for the complete message), with a mark when it also writes to the console. */
function debugLabel(n: NRNode): string {
  const suffix = n.console === true || n.console === 'true' ? '\t⇲' : '';
  const name = s(n.name);
  if (n.targetType === 'jsonata') return (name || 'JSONata') + suffix;
  if (n.complete === true || n.complete === 'true') return (name || 'msg') + suffix;
  const c = n.complete;
  return (name || 'msg.' + (!c || c === 'false' ? 'payload' : s(c))) + suffix;
}

function changeLabel(n: NRNode): string {
  const verb = (t: unknown) => (t === 'set' || t === 'change' || t === 'move' ? t : 'delete');
  if (!Array.isArray(n.rules)) return `${n.action === 'replace' ? 'set' : verb(n.action)} msg.${s(n.property)}`;
  const rules = n.rules as Record<string, unknown>[];
  if (rules.length !== 1) return `change: ${rules.length} rules`;
  const r = rules[0];
  return `${verb(r.t)} ${s(r.pt) || 'msg'}.${contextKey(s(r.p))}`;
}

/** scopeLabel is catch's, status's and complete's "catch: all" and so on. */
const scopeLabel =
  (word: string): LabelFn =>
  (n) => {
    if (n.scope === 'group') return `${word}: group`;
    if (Array.isArray(n.scope)) return `${word}: ${n.scope.length}`;
    return word === 'catch' && (n.uncaught === true || n.uncaught === 'true') ? 'catch: uncaught' : `${word}: all`;
  };

function delayLabel(n: NRNode): string {
  const p = s(n.pauseType);
  if (p === 'delayv') return 'variable';
  if (p === 'delay') return `delay ${s(n.timeout)}${n.timeoutUnits === 'milliseconds' ? 'ms' : s(n.timeoutUnits).charAt(0) || 's'}`;
  if (p === 'random') return 'random';
  const units = s(n.rateUnits);
  const rate = `${s(n.rate)} msg/${units ? (Number(n.nbRateUnits) > 1 ? s(n.nbRateUnits) : '') + units.charAt(0) : 's'}`;
  return `${p === 'rate' ? 'limit' : 'limit topic'} ${rate}`;
}

function httpInLabel(n: NRNode): string {
  const url = s(n.url);
  if (!url) return 'http';
  return `[${s(n.method)}] /${url.startsWith('/') ? url.slice(1) : url}`;
}

function fileName(n: NRNode): string {
  const t = s(n.filenameType);
  if (t === 'env') return 'env.' + s(n.filename);
  return t && t !== 'str' ? '' : s(n.filename);
}

function mqttBrokerLabel(n: NRNode): string {
  const b = s(n.broker) || 'undefined';
  const lab = (n.clientid ? s(n.clientid) + '@' : '') + b;
  return b.includes('://') ? lab : `${lab}:${s(n.port) || '1883'}`;
}

function joinLabel(n: NRNode): string {
  let l = 'join';
  if (n.mode === 'custom' && s(n.count) !== '' && !Number.isNaN(Number(n.count))) l += ' ' + s(n.count) + (n.accumulate === true ? '+' : '');
  return l;
}

const labels: Record<string, LabelFn> = {
  inject: injectLabel,
  debug: debugLabel,
  change: named(changeLabel),
  function: named(() => 'function'),
  switch: named(() => 'switch'),
  template: named(() => 'template'),
  range: named((n) => (s(n.minout) !== '' && s(n.maxout) !== '' ? `${s(n.minout)} - ${s(n.maxout)}` : 'range')),
  delay: named(delayLabel),
  trigger: named((n) => (Number(n.duration) > 0 ? `trigger ${s(n.duration)}${s(n.units)}` : 'trigger')),
  exec: named((n) => s(n.command) || (n.useSpawn === 'true' ? 'spawn' : 'exec')),
  catch: named(scopeLabel('catch')),
  status: named(scopeLabel('status')),
  complete: named((n) => `complete: ${Array.isArray(n.scope) ? n.scope.length : 0}`),
  comment: named(() => 'comment'),
  'link in': named(() => 'link in'),
  'link out': named((n) => (n.mode === 'return' ? 'link return' : 'link out')),
  'http in': named(httpInLabel),
  'http response': named((n) => 'http' + (n.statusCode ? ` (${s(n.statusCode)})` : '')),
  'http request': named(() => 'http request'),
  'mqtt in': named((n) => (n.topicType !== 'dynamic' && n.topic ? s(n.topic) : 'mqtt')),
  'mqtt out': named((n) => s(n.topic) || 'mqtt'),
  'mqtt-broker': named(mqttBrokerLabel),
  split: named(() => 'split'),
  join: named(joinLabel),
  csv: named(() => 'csv'),
  json: named(() => 'json'),
  file: named((n) => (n.overwriteFile === 'delete' ? `delete ${fileName(n)}` : fileName(n) || 'write file')),
  'file in': named((n) => fileName(n) || 'read file'),
};

/** switchOps are the switch node's operators with Node-RED's words. */
export const switchOps: [string, string][] = [
  ['eq', '=='],
  ['neq', '!='],
  ['lt', '<'],
  ['lte', '<='],
  ['gt', '>'],
  ['gte', '>='],
  ['hask', 'has key'],
  ['btwn', 'is between'],
  ['cont', 'contains'],
  ['regex', 'matches regex'],
  ['true', 'is true'],
  ['false', 'is false'],
  ['null', 'is null'],
  ['nnull', 'is not null'],
  ['istype', 'is of type'],
  ['empty', 'is empty'],
  ['nempty', 'is not empty'],
  ['head', 'head'],
  ['index', 'index between'],
  ['tail', 'tail'],
  ['jsonata_exp', 'JSONata exp'],
  ['else', 'otherwise'],
];

const clip = (v: string) => (v.length > 15 ? v.slice(0, 15) + '...' : v);
function valueLabel(t: unknown, v: unknown): string {
  if (t === 'str') return `"${clip(s(v))}"`;
  if (t === 'msg') return `msg.${clip(s(v))}`;
  if (t === 'flow' || t === 'global') return `${t}.${clip(contextKey(s(v)))}`;
  return clip(s(v));
}
const noOperand = new Set(['true', 'false', 'null', 'nnull', 'empty', 'nempty', 'else']);
const injectTypeWords: Record<string, string> = { flow: 'flow context', global: 'global context', str: 'string', num: 'number', bool: 'boolean', json: 'object', bin: 'buffer', date: 'timestamp', env: 'env variable', jsonata: 'expression', msg: 'msg' };

/** outputLabels are the words Node-RED shows on hovering each output port:
 * the user's own (outputLabels, set on Node-RED's Appearance tab), else the
 * switch's rule per port and the inject's properties. */
export function outputLabels(n: NRNode): string[] | undefined {
  if (Array.isArray(n.outputLabels) && n.outputLabels.some((l) => l)) return n.outputLabels.map(s);
  if (n.type === 'switch' && Array.isArray(n.rules)) {
    return (n.rules as Record<string, unknown>[]).map((r) => {
      let l = switchOps.find(([v]) => v === r.t)?.[1] ?? s(r.t);
      if (r.t === 'btwn' || r.t === 'index') l += ` ${valueLabel(r.vt, r.v)} & ${valueLabel(r.v2t, r.v2)}`;
      else if (!noOperand.has(s(r.t))) l += ' ' + valueLabel(r.vt, r.v);
      return l;
    });
  }
  if (n.type === 'inject') {
    const props = Array.isArray(n.props) ? (n.props as Record<string, unknown>[]) : [{ p: 'payload' }, { p: 'topic', vt: 'str' }];
    const lines = props.slice(0, 5).map((r) => {
      let t = s(r.p === 'payload' ? n.payloadType : r.vt);
      if (t === 'json') {
        try {
          const v: unknown = JSON.parse(s(r.p === 'payload' ? n.payload : r.v));
          t = Array.isArray(v) ? 'Array' : typeof v;
        } catch {
          t = 'invalid';
        }
      }
      const word = t === 'Array' ? 'array' : t === 'invalid' ? 'Invalid JSON Object' : (injectTypeWords[t] ?? t);
      return `${s(r.p)}: ${word}`;
    });
    if (props.length > 5) lines.push(`... +${props.length - 5}`);
    return [lines.join('\n')];
  }
  return undefined;
}

/** nodeLabel is Node-RED's label of n, or undefined for a type whose label
 * Node-RED does not compute (the caller shows its name or type). */
export function nodeLabel(n: NRNode): string | undefined {
  const f = labels[n.type];
  return f ? f(n) : undefined;
}
