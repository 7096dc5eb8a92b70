// The subflow parts of the editor: their tabs, the template toolbar
// (ports, status, properties, delete), the definition's properties form
// and the instance's env form generated from the definition's UI hints.

import { useState } from 'react';
import {
  checkedOf,
  envFields,
  envList,
  envTypes,
  setInputs,
  setOutputs,
  setStatus,
  type EnvEntry,
  type EnvUI,
} from '../model/subflow';
import type { NRNode } from '../model/types';
import { actions, change, setTab, useStore } from '../store';
import { closeSubflow, createSubflow, deleteSubflow, selectionToSubflow, useSubflowTabs } from '../subflows';
import { TypedInput } from './widgets';

type Rec = Record<string, unknown>;

/** SubflowTabs are the open subflow templates, after the flow tabs, with
 * the "create subflow" and "selection to subflow" actions. */
export function SubflowTabs() {
  const open = useSubflowTabs((s) => s.open);
  const tab = useStore((s) => s.tab);
  const nodes = useStore((s) => s.history.present.nodes);
  return (
    <>
      {open.map((id) => (
        <div key={id} role="tab" aria-selected={id === tab} className={'fg-tab subflow' + (id === tab ? ' on' : '')} data-subflow-tab={id} onClick={() => setTab(id)}>
          {String(nodes[id]?.name || id)}
          <span className="fg-tab-tools">
            <button title="close subflow tab" onClick={(e) => (e.stopPropagation(), closeSubflow(id))}>
              ×
            </button>
          </span>
        </div>
      ))}
      <button className="fg-tab-add" title="create subflow" onClick={createSubflow}>
        + subflow
      </button>
      <button
        className="fg-tab-add"
        title="selection to subflow"
        aria-label="selection to subflow"
        onClick={() => {
          const err = selectionToSubflow();
          if (err) actions.set({ notice: `Cannot create subflow: ${err}` });
        }}
      >
        selection → subflow
      </button>
    </>
  );
}

/** SubflowBar is the toolbar of a subflow tab, as Node-RED's: edit
 * properties, delete, inputs 0/1, outputs −/+, status output. */
export function SubflowBar() {
  const tab = useStore((s) => s.tab);
  const def = useStore((s) => s.history.present.nodes[s.tab]);
  if (!def || def.type !== 'subflow') return null;
  const ins = Array.isArray(def.in) ? def.in.length : 0;
  const outs = Array.isArray(def.out) ? def.out.length : 0;
  return (
    <div className="fg-subflow-bar" role="toolbar" aria-label="subflow">
      <b>subflow: {String(def.name ?? '')}</b>
      <button onClick={() => actions.set({ editing: tab })}>edit properties</button>
      <button
        onClick={() => {
          if (confirm(`Delete subflow "${String(def.name ?? tab)}" and all its instances?`)) deleteSubflow(tab);
        }}
      >
        delete subflow
      </button>
      <span>inputs:</span>
      {[0, 1].map((k) => (
        <button key={k} className={ins === k ? 'on' : ''} aria-pressed={ins === k} onClick={() => change((m) => setInputs(m, tab, k as 0 | 1))}>
          {k}
        </button>
      ))}
      <span>outputs:</span>
      <button aria-label="remove output" onClick={() => change((m) => setOutputs(m, tab, Math.max(0, outs - 1)))}>
        −
      </button>
      <span aria-label="outputs">{outs}</span>
      <button aria-label="add output" onClick={() => change((m) => setOutputs(m, tab, outs + 1))}>
        +
      </button>
      <label className="fg-check">
        <input type="checkbox" checked={!!def.status} onChange={(e) => change((m) => setStatus(m, tab, e.target.checked))} /> status output
      </label>
    </div>
  );
}

const uiTypes = ['input', 'select', 'checkbox', 'spinner', 'cred', 'none', 'hide'] as const;

/** SubflowEditor is the properties form of a definition: name, category,
 * colour, icon, description and its env list (name, type, value, UI). */
export function SubflowEditor({ def }: { def: NRNode }) {
  const [draft, setDraft] = useState<Rec>(() => ({
    name: def.name ?? '',
    category: def.category ?? '',
    color: def.color ?? '#DDAA99',
    icon: def.icon ?? '',
    info: def.info ?? '',
    env: structuredClone(envList(def)),
  }));
  const env = draft.env as EnvEntry[];
  const setEnv = (f: (e: EnvEntry[]) => EnvEntry[]) => setDraft((d) => ({ ...d, env: f(d.env as EnvEntry[]) }));
  const row = (i: number, p: Partial<EnvEntry>) => setEnv((e) => e.map((x, j) => (j === i ? { ...x, ...p } : x)));
  const close = () => actions.set({ editing: null });
  const done = () => {
    const props: Rec = { ...draft };
    if (props.icon === '' && !('icon' in def)) delete props.icon;
    change((m) => {
      const n = m.nodes[def.id];
      return n ? { order: m.order, nodes: { ...m.nodes, [def.id]: { ...n, ...props } } } : m;
    });
    close();
  };
  return (
    <div className="fg-tray" role="dialog" aria-label="Edit subflow">
      <header>
        <span>Edit subflow</span>
        <span className="fg-spacer" />
        <button onClick={close}>Cancel</button>
        <button className="primary" onClick={done}>
          Done
        </button>
      </header>
      <div className="fg-form">
        {(['name', 'category', 'icon'] as const).map((k) => (
          <div className="fg-field" key={k} data-field={k}>
            <label>{k}</label>
            <input aria-label={k} value={String(draft[k] ?? '')} placeholder={k === 'category' ? 'subflows' : ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
          </div>
        ))}
        <div className="fg-field" data-field="color">
          <label>colour</label>
          <input type="color" aria-label="color" value={String(draft.color)} onChange={(e) => setDraft({ ...draft, color: e.target.value.toUpperCase() })} />
        </div>
        <div className="fg-field" data-field="env">
          <label>properties (env)</label>
          {env.map((e, i) => (
            <div className="fg-env-row" key={i}>
              <input aria-label={`env ${i} name`} value={e.name} onChange={(x) => row(i, { name: x.target.value })} />
              <TypedInput
                label={`env ${i}`}
                types={[...envTypes, 'cred']}
                type={e.type}
                value={e.value}
                onChange={(t, v) => row(i, { type: t, value: v })}
              />
              <select
                aria-label={`env ${i} ui`}
                value={e.ui?.type ?? ''}
                onChange={(x) => {
                  const t = x.target.value as EnvUI['type'] | '';
                  const ui: EnvUI | undefined = t ? { ...(e.ui ?? {}), type: t } : e.ui && { ...e.ui, type: undefined };
                  if (ui && !ui.type) delete ui.type;
                  row(i, { ui });
                }}
              >
                <option value="">default UI</option>
                {uiTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <button title="remove" onClick={() => setEnv((l) => l.filter((_, j) => j !== i))}>
                ×
              </button>
            </div>
          ))}
          <button onClick={() => setEnv((l) => [...l, { name: '', type: 'str', value: '' }])}>add property</button>
        </div>
        <div className="fg-field" data-field="info">
          <label>description</label>
          <textarea className="fg-json" aria-label="info" value={String(draft.info)} onChange={(e) => setDraft({ ...draft, info: e.target.value })} />
        </div>
        <div className="fg-id">id {def.id}</div>
      </div>
    </div>
  );
}

/** InstanceEnvForm is an instance's form of its definition's env
 * properties, each drawn by its UI hint; values are collected in values. */
export function InstanceEnvForm({
  def,
  inst,
  values,
  onChange,
}: {
  def: NRNode;
  inst: Readonly<Record<string, unknown>>;
  values: Record<string, { type: string; value: string }>;
  onChange: (name: string, v: { type: string; value: string }) => void;
}) {
  const fields = envFields(def, inst);
  if (fields.length === 0) return null;
  return (
    <div className="fg-subflow-env">
      {fields.map((f) => {
        const v = values[f.name] ?? { type: f.type, value: f.value };
        const set = (value: string, type = v.type) => onChange(f.name, { type, value });
        const opts = f.ui.opts ?? {};
        let input: React.ReactNode;
        switch (f.ui.type) {
          case 'none':
            input = null;
            break;
          case 'select':
            input = (
              <select aria-label={f.name} value={v.value} onChange={(e) => set(e.target.value, 'str')}>
                {(opts.opts ?? []).map((o) => (
                  <option key={o.v} value={o.v}>
                    {o.l?.['en-US'] || o.v}
                  </option>
                ))}
              </select>
            );
            break;
          case 'checkbox':
            input = <input type="checkbox" aria-label={f.name} checked={checkedOf(v.type, v.value)} onChange={(e) => set(String(e.target.checked), 'bool')} />;
            break;
          case 'spinner':
            input = <input type="number" aria-label={f.name} min={opts.min} max={opts.max} value={v.value} onChange={(e) => set(e.target.value, 'num')} />;
            break;
          case 'cred':
            input = <input type="password" aria-label={f.name} value={v.value} onChange={(e) => set(e.target.value, 'cred')} />;
            break;
          default:
            input = opts.types?.length ? (
              <TypedInput label={f.name} types={opts.types} type={v.type} value={v.value} onChange={(t, x) => set(x, t)} />
            ) : (
              <input aria-label={f.name} value={v.value} onChange={(e) => set(e.target.value, 'str')} />
            );
        }
        return (
          <div className="fg-field" key={f.name} data-field={`env.${f.name}`}>
            <label>{f.label}</label>
            {input}
          </div>
        );
      })}
    </div>
  );
}
