// The one properties form, generated from the node's spec. Done applies
// the draft as one undo step; Cancel discards it.

import { useMemo, useState } from 'react';
import { isCanvasNode, labelOf, toFlows, userInjectProps } from '../model/flows';
import type { NRNode, Prop } from '../model/types';
import { actions, addConfigNode, applyEdit, injectNode, useStore } from '../store';
import { definitionOf, instanceEnv, type EnvEntry } from '../model/subflow';
import { openSubflow } from '../subflows';
import { InstanceEnvForm, SubflowEditor } from './Subflow';
import { CodeArea, layouts } from './forms';
import { JSONField, RuleList, TypedInput } from './widgets';


type Rec = Record<string, unknown>;
const structural = new Set(['id', 'type', 'z', 'x', 'y', 'wires', 'g']);

export function NodeEditor({ id }: { id: string }) {
  const node = useStore((s) => s.history.present.nodes[id]);
  if (node?.type === 'subflow') return <SubflowEditor def={node} />;
  return <NodeForm id={id} />;
}

function NodeForm({ id }: { id: string }) {
  const node = useStore((s) => s.history.present.nodes[id]);
  const sfDef = useStore((s) => definitionOf(s.history.present, s.history.present.nodes[id]));
  const [envValues, setEnvValues] = useState<Record<string, { type: string; value: string }>>({});
  const specs = useStore((s) => s.specs);
  const problems = useStore((s) => s.problems[id]) ?? [];
  const spec = node ? specs[node.type] : undefined;
  // a subflow instance or an unknown type keeps the generic form
  const layout = spec && !sfDef ? layouts[spec.type] : undefined;
  const [draft, setDraft] = useState<Rec>(() => {
    if (!node) return {};
    const d: Rec = {};
    for (const [k, v] of Object.entries(node)) if (!structural.has(k)) d[k] = structuredClone(v);
    if (spec) for (const p of spec.props) if (!(p.name in d)) d[p.name] = structuredClone(p.default);
    return d;
  });
  if (!node) return null;
  const patch = (p: Rec) => setDraft((d) => ({ ...d, ...p }));
  const close = () => actions.set({ editing: null });
  const done = () => {
    // a property the node did not have, left at the spec's default, is not
    // written: an untouched form changes nothing
    const out: Rec = { ...draft };
    for (const p of spec?.props ?? []) {
      if (!(p.name in node) && p.name in out && JSON.stringify(out[p.name]) === JSON.stringify(p.default)) delete out[p.name];
    }
    applyEdit(id, sfDef ? { ...out, env: instanceEnv(sfDef, (Array.isArray(out.env) ? out.env : []) as EnvEntry[], envValues) } : out);
  };
  const fieldProblems = (name: string) => problems.filter((p) => p.field === name || p.field?.startsWith(name + '['));
  const general = problems.filter((p) => !p.field || !spec?.props.some((q) => p.field === q.name || p.field?.startsWith(q.name + '[')));
  return (
    <div className="fg-tray" role="dialog" aria-label={`Edit ${node.type} node`}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) done();
      }}
    >
      <header>
        <span>Edit {sfDef ? `subflow: ${String(sfDef.name || sfDef.id)}` : node.type} node</span>
        <span className="fg-spacer" />
        {spec?.button === 'inject' && (
          <button onClick={() => void injectNode(id, userInjectProps(draft))} title="inject a message with the properties as edited here">
            inject now
          </button>
        )}
        {sfDef && (
          <button onClick={() => (close(), openSubflow(sfDef.id))} title="open the subflow's template on its tab">
            edit subflow template
          </button>
        )}
        <button onClick={close}>Cancel</button>
        <button className="primary" onClick={done}>
          Done
        </button>
      </header>
      <div className="fg-form">
        {general.map((p, i) => (
          <div key={i} className="fg-field-error">
            {p.field ? `${p.field}: ` : ''}
            {p.reason}
          </div>
        ))}
        {spec && layout && (
          <layout.Form
            draft={draft}
            patch={patch}
            spec={spec}
            errors={(name) =>
              fieldProblems(name).map((q, i) => (
                <div key={i} className="fg-field-error">
                  {q.reason}
                </div>
              ))
            }
          />
        )}
        {spec ? (
          spec.props
            .filter((p) => !p.hidden && !layout?.covers.includes(p.name))
            .map((p) => (
              <div className={'fg-field' + (fieldProblems(p.name).length ? ' invalid' : '')} key={p.name} data-field={p.name}>
                <label>{p.label ?? p.name}</label>
                <Field prop={p} draft={draft} patch={patch} self={node} />
                {fieldProblems(p.name).map((q, i) => (
                  <div key={i} className="fg-field-error">
                    {q.reason}
                  </div>
                ))}
              </div>
            ))
        ) : (
          <div className="fg-field">
            <label>properties of unknown type “{node.type}” (kept as they are)</label>
            <JSONField value={draft} onChange={(v) => v && typeof v === 'object' && !Array.isArray(v) && setDraft(v as Rec)} />
          </div>
        )}
        {sfDef && <InstanceEnvForm def={sfDef} inst={draft} values={envValues} onChange={(name, v) => setEnvValues((e) => ({ ...e, [name]: v }))} />}
        <label className="fg-check">
          <input type="checkbox" checked={draft.d === true} onChange={(e) => patch({ d: e.target.checked ? true : undefined })} />
          disabled
        </label>
        <div className="fg-id">id {node.id}</div>
      </div>
    </div>
  );
}

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function Field({ prop: p, draft, patch, self }: { prop: Prop; draft: Rec; patch: (p: Rec) => void; self: NRNode }) {
  const v = draft[p.name];
  const set = (x: unknown) => patch({ [p.name]: x });
  switch (p.kind) {
    case 'bool':
      return <input type="checkbox" aria-label={p.name} checked={v === true || v === 'true'} onChange={(e) => set(e.target.checked)} />;
    case 'number':
      return (
        <input
          aria-label={p.name}
          inputMode="decimal"
          value={str(v)}
          onChange={(e) => {
            // Keep the JSON type Node-RED wrote: numbers stay numbers.
            const t = e.target.value;
            set(typeof v === 'number' && t.trim() !== '' && !Number.isNaN(Number(t)) ? Number(t) : t);
          }}
        />
      );
    case 'select':
      return (
        <select aria-label={p.name} value={str(v)} onChange={(e) => set(e.target.value)}>
          {!(p.options ?? []).some((o) => o.value === str(v)) && <option value={str(v)}>{str(v)}</option>}
          {(p.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case 'typed':
      return p.typeProp ? (
        <TypedInput label={p.name} types={p.types ?? []} type={str(draft[p.typeProp])} value={str(v)} onChange={(t, x) => patch({ [p.name]: x, [p.typeProp!]: t })} />
      ) : (
        <span className="fg-typed">
          <span className="fg-prefix">msg.</span>
          <input aria-label={p.name} value={str(v)} onChange={(e) => set(e.target.value)} />
        </span>
      );
    case 'json':
      return <JSONField value={v} onChange={set} />;
    case 'code':
      return <CodeArea label={p.label ?? p.name} lang={p.lang} value={str(v)} onChange={set} />;
    case 'list':
      return <RuleList widget={p.widget ?? ''} types={p.types ?? []} value={v} onChange={set} node={draft} setNode={patch} />;
    case 'config':
      return <ConfigPicker type={p.configType ?? ''} value={str(v)} onChange={set} />;
    case 'nodes':
      return <NodesPicker self={self} value={Array.isArray(v) ? (v as string[]) : []} onChange={set} />;
    default:
      return <input aria-label={p.name} value={str(v)} onChange={(e) => set(e.target.value)} />;
  }
}

function ConfigPicker({ type, value, onChange }: { type: string; value: string; onChange: (v: string) => void }) {
  const m = useStore((s) => s.history.present);
  const specs = useStore((s) => s.specs);
  const options = toFlows(m).filter((n) => n.type === type);
  return (
    <span className="fg-typed">
      <select aria-label={type} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">none</option>
        {options.map((n) => (
          <option key={n.id} value={n.id}>
            {labelOf(n, specs)}
          </option>
        ))}
      </select>
      {specs[type] && (
        <button
          onClick={() => {
            const id = addConfigNode(type);
            if (id) onChange(id);
          }}
        >
          add new {type}…
        </button>
      )}
    </span>
  );
}

function NodesPicker({ self, value, onChange }: { self: NRNode; value: string[]; onChange: (v: string[]) => void }) {
  const m = useStore((s) => s.history.present);
  const specs = useStore((s) => s.specs);
  const options = useMemo(
    () => toFlows(m).filter((n) => n.id !== self.id && isCanvasNode(n, specs) && (self.type.startsWith('link') ? n.type.startsWith('link') : n.z === self.z)),
    [m, specs, self],
  );
  return (
    <select multiple aria-label="nodes" value={value} onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))} size={Math.min(8, Math.max(3, options.length))}>
      {options.map((n) => (
        <option key={n.id} value={n.id}>
          {labelOf(n, specs)} ({n.type})
        </option>
      ))}
    </select>
  );
}
