// Node-RED's own form layouts for the node types a user meets first.
// A layout edits some of the spec's properties (covers) with Node-RED's
// widgets; the generic form still renders every other visible property, so
// a property added to a Go spec is never lost from the form.

import { lazy, Suspense, useState, type ReactNode } from 'react';
import { allDays, dayNames, everyMinutes, formatRepeat, parseRepeat, propRows, saveRows, type InjectProp, type Repeat } from '../model/inject';
import type { Spec } from '../model/types';
import { JSONField, RuleList, TypedInput } from './widgets';

const CodeField = lazy(() => import('./CodeField').then((m) => ({ default: m.CodeField })));

type Rec = Record<string, unknown>;

export interface LayoutProps {
  draft: Rec;
  patch: (p: Rec) => void;
  spec: Spec;
  /** errors renders the server's problems for a property */
  errors: (name: string) => ReactNode;
}

export interface Layout {
  covers: string[];
  Form: (p: LayoutProps) => ReactNode;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const isTrue = (v: unknown) => v === true || v === 'true';
const typesOf = (spec: Spec, name: string) => spec.props.find((p) => p.name === name)?.types ?? [];

/** Row is one labelled form row, Node-RED's "form-row". */
export function Row({ label, field, errors, children }: { label: string; field?: string; errors?: (n: string) => ReactNode; children: ReactNode }) {
  return (
    <div className="fg-row" data-field={field}>
      <label>{label}</label>
      <div className="fg-row-body">
        {children}
        {field && errors?.(field)}
      </div>
    </div>
  );
}

function NameRow({ draft, patch, errors }: LayoutProps) {
  return (
    <Row label="Name" field="name" errors={errors}>
      <input aria-label="name" placeholder="Name" value={str(draft.name)} onChange={(e) => patch({ name: e.target.value })} />
    </Row>
  );
}

/** CodeArea is a code editor whose space is reserved before CodeMirror
 * loads, so nothing below it moves when it arrives. */
export function CodeArea({ value, onChange, label, lang = 'javascript' }: { value: string; onChange: (v: string) => void; label: string; lang?: string }) {
  return (
    <div className="fg-code-box" data-code={label}>
      <Suspense fallback={<textarea className="fg-code-fallback" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} />}>
        <CodeField value={value} lang={lang} onChange={onChange} />
      </Suspense>
    </div>
  );
}

// ---- inject

function InjectForm(p: LayoutProps) {
  const { draft, patch, spec } = p;
  const [rows, setRows] = useState<InjectProp[]>(() => propRows(draft));
  const [rep, setRep] = useState<Repeat>(() => parseRepeat(draft.repeat, draft.crontab));
  const types = typesOf(spec, 'props');
  const setAll = (next: InjectProp[]) => {
    setRows(next);
    const saved = saveRows(next);
    patch({ payload: undefined, payloadType: undefined, ...saved });
  };
  const setRow = (i: number, r: InjectProp) => setAll(rows.map((x, j) => (i === j ? r : x)));
  const setRepeat = (r: Repeat) => {
    setRep(r);
    patch(formatRepeat(r));
  };
  const once = isTrue(draft.once);
  return (
    <>
      <NameRow {...p} />
      <div className="fg-rules fg-inject-props" data-field="props">
        {rows.map((r, i) => (
          <div className="fg-rule" key={i}>
            <span className="fg-prefix">msg.</span>
            <input aria-label="property name" className="fg-short" value={r.p} onChange={(e) => setRow(i, { ...r, p: e.target.value })} />
            <span>=</span>
            <TypedInput types={types} type={r.vt} value={r.v} label={r.p === 'topic' ? 'topic' : 'value'} onChange={(vt, v) => setRow(i, { ...r, v, vt })} />
            <button className="fg-icon" title="remove" aria-label="remove property" onClick={() => setAll(rows.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        ))}
        <button onClick={() => setAll([...rows, { p: '', v: '', vt: 'str' }])}>+ add</button>
        {p.errors('props')}
      </div>
      <div className="fg-row" data-field="once">
        <label />
        <div className="fg-row-body fg-inline">
          <label className="fg-check">
            <input type="checkbox" aria-label="inject once" checked={once} onChange={(e) => patch({ once: e.target.checked })} />
            Inject once after
          </label>
          <input
            aria-label="once delay"
            className="fg-tiny"
            placeholder="0.1"
            disabled={!once}
            value={str(draft.onceDelay)}
            onChange={(e) => patch({ onceDelay: typeof draft.onceDelay === 'number' && e.target.value.trim() !== '' && !Number.isNaN(Number(e.target.value)) ? Number(e.target.value) : e.target.value })}
          />
          seconds, then
          {p.errors('onceDelay')}
        </div>
      </div>
      <Row label="↻ Repeat" field="repeat" errors={p.errors}>
        <select aria-label="repeat" value={rep.kind} onChange={(e) => setRepeat({ ...rep, kind: e.target.value as Repeat['kind'] })}>
          <option value="none">none</option>
          <option value="interval">interval</option>
          <option value="interval-time">interval between times</option>
          <option value="time">at a specific time</option>
        </select>
      </Row>
      {rep.kind === 'interval' && (
        <div className="fg-row fg-repeat" data-repeat="interval">
          <label />
          <div className="fg-row-body fg-inline">
            every
            <input aria-label="interval count" className="fg-tiny" type="number" min={1} value={rep.count} onChange={(e) => setRepeat({ ...rep, count: e.target.value })} />
            <select aria-label="interval units" value={rep.units} onChange={(e) => setRepeat({ ...rep, units: e.target.value as Repeat['units'] })}>
              <option value="s">seconds</option>
              <option value="m">minutes</option>
              <option value="h">hours</option>
            </select>
          </div>
        </div>
      )}
      {rep.kind === 'interval-time' && (
        <div className="fg-row fg-repeat" data-repeat="interval-time">
          <label />
          <div className="fg-row-body">
            <div className="fg-inline">
              every
              <select aria-label="every minutes" value={rep.every} onChange={(e) => setRepeat({ ...rep, every: e.target.value })}>
                {everyMinutes.map((m) => (
                  <option key={m} value={m}>
                    {m === '0' ? '60' : m}
                  </option>
                ))}
              </select>
              minutes
            </div>
            <div className="fg-inline">
              between
              <select aria-label="start hour" value={rep.start} onChange={(e) => setRepeat({ ...rep, start: Number(e.target.value), end: Math.max(rep.end, Number(e.target.value) + 1) })}>
                {Array.from({ length: 24 }, (_, h) => (
                  <option key={h} value={h}>
                    {hour(h)}
                  </option>
                ))}
              </select>
              and
              <select aria-label="end hour" value={rep.end} onChange={(e) => setRepeat({ ...rep, end: Number(e.target.value) })}>
                {/* as Node-RED: the end is after the start, 00:00 is midnight */}
                {Array.from({ length: 24 - rep.start }, (_, i) => rep.start + 1 + i).map((h) => (
                  <option key={h} value={h}>
                    {hour(h)}
                  </option>
                ))}
              </select>
            </div>
            <Days rep={rep} set={setRepeat} />
          </div>
        </div>
      )}
      {rep.kind === 'time' && (
        <div className="fg-row fg-repeat" data-repeat="time">
          <label />
          <div className="fg-row-body">
            <div className="fg-inline">
              at
              <input aria-label="at time" className="fg-short" value={rep.at} placeholder="12:00" onChange={(e) => setRepeat({ ...rep, at: e.target.value })} />
            </div>
            <Days rep={rep} set={setRepeat} />
          </div>
        </div>
      )}
      {p.errors('crontab')}
    </>
  );
}

const hour = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;

function Days({ rep, set }: { rep: Repeat; set: (r: Repeat) => void }) {
  return (
    <div className="fg-days fg-inline">
      on
      {allDays.map((d) => (
        <label key={d} className="fg-check">
          <input
            type="checkbox"
            aria-label={dayNames[d]}
            checked={rep.days.includes(d)}
            onChange={(e) => set({ ...rep, days: e.target.checked ? allDays.filter((x) => x === d || rep.days.includes(x)) : rep.days.filter((x) => x !== d) })}
          />
          {dayNames[d]}
        </label>
      ))}
    </div>
  );
}

// ---- debug

function DebugForm(p: LayoutProps) {
  const { draft, patch, spec } = p;
  const full = draft.targetType === 'full' || isTrue(draft.complete);
  const outType = draft.targetType === 'jsonata' ? 'jsonata' : full ? 'full' : 'msg';
  const outValue = outType === 'full' ? '' : outType === 'jsonata' ? str(draft.complete) : !draft.complete || draft.complete === 'false' ? 'payload' : str(draft.complete);
  const toStatus = isTrue(draft.tostatus);
  return (
    <>
      <Row label="Output" field="complete" errors={p.errors}>
        <TypedInput
          label="output"
          types={typesOf(spec, 'complete')}
          type={outType}
          value={outValue}
          onChange={(t, v) => patch({ targetType: t, complete: t === 'full' ? 'true' : t === 'msg' && v === '' ? 'payload' : v })}
        />
      </Row>
      <Row label="To">
        <label className="fg-check">
          <input type="checkbox" checked={isTrue(draft.tosidebar)} onChange={(e) => patch({ tosidebar: e.target.checked })} />
          debug window
        </label>
        <label className="fg-check">
          <input type="checkbox" checked={isTrue(draft.console)} onChange={(e) => patch({ console: e.target.checked })} />
          system console
        </label>
        <label className="fg-check">
          <input
            type="checkbox"
            checked={toStatus}
            onChange={(e) =>
              // as Node-RED: ticking shows the output's property; unticking resets to automatic
              patch(
                e.target.checked
                  ? { tostatus: true, statusType: draft.statusType === 'counter' ? 'counter' : 'auto', statusVal: draft.statusType === 'counter' ? '' : str(draft.statusVal) || (outType === 'msg' ? outValue : '') }
                  : { tostatus: false, statusType: 'auto', statusVal: '' },
              )
            }
          />
          node status (32 characters)
        </label>
        {toStatus && (
          <TypedInput label="status" types={typesOf(spec, 'statusVal')} type={str(draft.statusType) || 'auto'} value={str(draft.statusVal)} onChange={(statusType, statusVal) => patch({ statusType, statusVal })} />
        )}
      </Row>
      <NameRow {...p} />
    </>
  );
}

// ---- function

const functionTabs = [
  ['setup', 'Setup'],
  ['initialize', 'On Start'],
  ['func', 'On Message'],
  ['finalize', 'On Stop'],
] as const;

function FunctionForm(p: LayoutProps) {
  const { draft, patch } = p;
  const [tab, setTab] = useState<string>('func');
  const num = (name: string) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const t = e.target.value;
    patch({ [name]: typeof draft[name] === 'number' && t.trim() !== '' && !Number.isNaN(Number(t)) ? Number(t) : t });
  };
  return (
    <>
      <NameRow {...p} />
      <div className="fg-form-tabs" role="tablist">
        {functionTabs.map(([id, label]) => (
          <button key={id} role="tab" aria-selected={tab === id} className={tab === id ? 'active' : ''} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      {/* every tab stays mounted: each editor keeps its undo history */}
      <div className="fg-tab-panel" role="tabpanel" hidden={tab !== 'setup'} data-tab="setup">
        <Row label="Outputs" field="outputs" errors={p.errors}>
          <input aria-label="outputs" type="number" min={0} className="fg-short" value={str(draft.outputs)} onChange={num('outputs')} />
        </Row>
        <Row label="Timeout" field="timeout" errors={p.errors}>
          <span className="fg-inline">
            <input aria-label="timeout" type="number" min={0} className="fg-short" value={str(draft.timeout)} onChange={num('timeout')} /> seconds
          </span>
        </Row>
        <Row label="Modules" field="libs" errors={p.errors}>
          <JSONField value={draft.libs ?? []} onChange={(v) => patch({ libs: Array.isArray(v) ? v : [] })} />
        </Row>
      </div>
      {functionTabs.slice(1).map(([id, label]) => (
        <div key={id} className="fg-tab-panel" role="tabpanel" hidden={tab !== id} data-tab={id}>
          <CodeArea label={label} value={str(draft[id])} onChange={(v) => patch({ [id]: v })} />
          {p.errors(id)}
        </div>
      ))}
    </>
  );
}

// ---- change and switch

function ChangeForm(p: LayoutProps) {
  return (
    <>
      <NameRow {...p} />
      <Row label="Rules" field="rules" errors={p.errors}>
        <RuleList widget="change-rules" types={typesOf(p.spec, 'rules')} value={p.draft.rules} onChange={(rules) => p.patch({ rules })} node={p.draft} setNode={p.patch} />
      </Row>
    </>
  );
}

function SwitchForm(p: LayoutProps) {
  const { draft, patch, spec } = p;
  return (
    <>
      <NameRow {...p} />
      <Row label="Property" field="property" errors={p.errors}>
        <TypedInput label="property" types={typesOf(spec, 'property')} type={str(draft.propertyType) || 'msg'} value={str(draft.property)} onChange={(propertyType, property) => patch({ property, propertyType })} />
      </Row>
      <Row label="Rules" field="rules" errors={p.errors}>
        <RuleList widget="switch-rules" types={typesOf(spec, 'rules')} value={draft.rules} onChange={(rules) => patch({ rules })} node={draft} setNode={patch} />
      </Row>
      <Row label="" field="checkall" errors={p.errors}>
        <select aria-label="checkall" value={str(draft.checkall) || 'true'} onChange={(e) => patch({ checkall: e.target.value })}>
          <option value="true">checking all rules</option>
          <option value="false">stopping after first match</option>
        </select>
        <label className="fg-check">
          <input type="checkbox" checked={isTrue(draft.repair)} onChange={(e) => patch({ repair: e.target.checked })} />
          recreate message sequences
        </label>
      </Row>
    </>
  );
}

/** layouts maps a Node-RED type name to its Node-RED form. */
export const layouts: Record<string, Layout> = {
  inject: { covers: ['name', 'props', 'repeat', 'crontab', 'once', 'onceDelay', 'topic', 'payload', 'payloadType'], Form: InjectForm },
  debug: { covers: ['name', 'active', 'tosidebar', 'console', 'tostatus', 'complete', 'targetType', 'statusVal', 'statusType'], Form: DebugForm },
  function: { covers: ['name', 'func', 'outputs', 'timeout', 'noerr', 'initialize', 'finalize', 'libs'], Form: FunctionForm },
  change: { covers: ['name', 'rules', 'action', 'property', 'from', 'to', 'reg'], Form: ChangeForm },
  switch: { covers: ['name', 'property', 'propertyType', 'rules', 'checkall', 'repair', 'outputs'], Form: SwitchForm },
};
