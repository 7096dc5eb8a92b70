// Shared form widgets: Node-RED's TypedInput and the rule lists of switch,
// change and inject.

import { useEffect, useRef, useState } from 'react';
import { switchOps } from '../model/labels';

type Rec = Record<string, unknown>;

/** typeInfo is Node-RED's TypedInput menu: the glyph shown on the button
 * (the label itself for msg., flow., global.) and the menu's words. */
const typeInfo: Record<string, { glyph: string; label: string }> = {
  msg: { glyph: 'msg.', label: 'msg.' },
  flow: { glyph: 'flow.', label: 'flow.' },
  global: { glyph: 'global.', label: 'global.' },
  str: { glyph: 'az', label: 'string' },
  num: { glyph: '09', label: 'number' },
  bool: { glyph: 'T|F', label: 'boolean' },
  json: { glyph: '{ }', label: 'JSON' },
  bin: { glyph: '01', label: 'buffer' },
  date: { glyph: '\u25F7', label: 'timestamp' },
  env: { glyph: '${ }', label: 'env variable' },
  re: { glyph: '.*', label: 'regular expression' },
  jsonata: { glyph: 'J:', label: 'expression' },
  expr: { glyph: 'x=', label: 'expr' },
  full: { glyph: 'msg', label: 'complete msg object' },
  prev: { glyph: 'prev', label: 'previous value' },
  auto: { glyph: 'auto', label: 'automatic' },
  counter: { glyph: '#', label: 'message count' },
  node: { glyph: '\u25CE', label: 'node' },
};
const info = (t: string) => typeInfo[t] ?? { glyph: t, label: t };
const noValueTypes = new Set(['full', 'auto', 'counter']);
const dateFormats: [string, string][] = [
  ['', 'milliseconds since epoch'],
  ['iso', 'YYYY-MM-DDTHH:mm:ss.sssZ'],
  ['object', 'JavaScript Date Object'],
];

/** TypedInput is Node-RED's typed input: a type button with Node-RED's
 * menu of types, and the value beside it (a menu for booleans and
 * timestamps, nothing for types without a value). */
export function TypedInput(p: {
  types: string[];
  type: string;
  value: string;
  onChange: (type: string, value: string) => void;
  label?: string;
  placeholder?: string;
}) {
  const types = p.types.length > 0 ? p.types : ['str'];
  const type = p.type || types[0];
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);
  const label = p.label ?? 'value';
  const pick = (t: string) => {
    setOpen(false);
    // a boolean starts true and a timestamp in milliseconds, as Node-RED
    let v = p.value;
    if (t === 'bool') v = v === 'false' ? 'false' : 'true';
    else if (t === 'date' || type === 'date') v = '';
    p.onChange(t, noValueTypes.has(t) ? '' : v);
  };
  return (
    <span className="fg-typed" ref={box} data-type={type}>
      <button
        type="button"
        className={'fg-type' + (types.length < 2 ? ' fixed' : '')}
        aria-label={label + ' type'}
        aria-haspopup="menu"
        aria-expanded={open}
        title={info(type).label}
        disabled={types.length < 2}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && open) {
            e.stopPropagation();
            setOpen(false);
          }
        }}
      >
        <span className="fg-type-glyph">{info(type).glyph}</span>
        {types.length > 1 && <span className="fg-type-caret">▾</span>}
      </button>
      {open && (
        <ul className="fg-type-menu" role="menu" aria-label={label + ' types'}>
          {(types.includes(type) ? types : [type, ...types]).map((t) => (
            <li key={t} role="menuitem" data-type={t} className={t === type ? 'current' : ''} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(t)}>
              <span className="fg-type-glyph">{info(t).glyph}</span> {info(t).label}
            </li>
          ))}
        </ul>
      )}
      {type === 'bool' ? (
        <select aria-label={label} value={p.value === 'false' ? 'false' : 'true'} onChange={(e) => p.onChange(type, e.target.value)}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : type === 'date' ? (
        <select aria-label={label} value={dateFormats.some(([v]) => v === p.value) ? p.value : ''} onChange={(e) => p.onChange(type, e.target.value)}>
          {dateFormats.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      ) : noValueTypes.has(type) ? (
        <span className="fg-type-text">{info(type).label}</span>
      ) : (
        <input aria-label={label} value={p.value} placeholder={p.placeholder} onChange={(e) => p.onChange(type, e.target.value)} />
      )}
    </span>
  );
}

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

const noOperand = new Set(['true', 'false', 'null', 'nnull', 'empty', 'nempty', 'else']);
const valueTypes = ['msg', 'flow', 'global', 'str', 'num', 'bool', 'json', 'bin', 'date', 'jsonata', 'env'];

function SwitchRule({ r, types, set }: { r: Rec; types: string[]; set: (r: Rec) => void }) {
  const t = String(r.t ?? 'eq');
  return (
    <>
      <select aria-label="operator" value={t} onChange={(e) => set({ ...r, t: e.target.value })}>
        {switchOps.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      {!noOperand.has(t) && (
        <TypedInput types={types} type={str(r.vt)} value={str(r.v)} onChange={(vt, v) => set({ ...r, v, vt })} />
      )}
      {(t === 'btwn' || t === 'index') && (
        <TypedInput types={types} type={str(r.v2t)} value={str(r.v2)} onChange={(v2t, v2) => set({ ...r, v2, v2t })} />
      )}
    </>
  );
}

/** ChangeRule is one rule of a change node in Node-RED's words: "Set
 * msg.payload / to the value …", "Change … / Search for … / Replace with …",
 * "Delete …", "Move … / to …". */
function ChangeRule({ r, set }: { r: Rec; set: (r: Rec) => void }) {
  const t = String(r.t ?? 'set');
  return (
    <div className="fg-rule-lines">
      <div className="fg-rule-line">
        <select aria-label="action" value={t} onChange={(e) => set({ ...r, t: e.target.value })}>
          <option value="set">Set</option>
          <option value="change">Change</option>
          <option value="delete">Delete</option>
          <option value="move">Move</option>
        </select>
        <TypedInput label="property" types={['msg', 'flow', 'global']} type={str(r.pt) || 'msg'} value={str(r.p)} onChange={(pt, p) => set({ ...r, p, pt })} />
      </div>
      {t === 'change' && (
        <div className="fg-rule-line">
          <span className="fg-rule-word">Search for</span>
          <TypedInput label="search" types={['str', 're', 'num', 'bool', 'msg', 'flow', 'global', 'env']} type={str(r.fromt) || 'str'} value={str(r.from)} onChange={(fromt, from) => set({ ...r, from, fromt })} />
        </div>
      )}
      {t === 'move' && (
        <div className="fg-rule-line">
          <span className="fg-rule-word">to</span>
          <TypedInput label="to property" types={['msg', 'flow', 'global']} type={str(r.tot) || 'msg'} value={str(r.to)} onChange={(tot, to) => set({ ...r, to, tot })} />
        </div>
      )}
      {(t === 'set' || t === 'change') && (
        <div className="fg-rule-line">
          <span className="fg-rule-word">{t === 'set' ? 'to the value' : 'Replace with'}</span>
          <TypedInput label="to" types={valueTypes} type={str(r.tot) || 'str'} value={str(r.to)} onChange={(tot, to) => set({ ...r, to, tot })} />
        </div>
      )}
    </div>
  );
}

function InjectProp({ r, types, set }: { r: Rec; types: string[]; set: (r: Rec) => void }) {
  return (
    <>
      <span className="fg-prefix">msg.</span>
      <input aria-label="property name" className="fg-short" value={str(r.p)} onChange={(e) => set({ ...r, p: e.target.value })} />
      <TypedInput types={types} type={str(r.vt) || 'str'} value={str(r.v)} onChange={(vt, v) => set({ ...r, v, vt })} />
    </>
  );
}

const newRule: Record<string, Rec> = {
  'switch-rules': { t: 'eq', v: '', vt: 'str' },
  'change-rules': { t: 'set', p: 'payload', pt: 'msg', to: '', tot: 'str' },
  'inject-props': { p: '', v: '', vt: 'str' },
};

/** RuleList edits a list property with the row widget its spec names. */
export function RuleList(p: { widget: string; types: string[]; value: unknown; onChange: (v: unknown[]) => void; node: Rec; setNode: (patch: Rec) => void }) {
  const rows = Array.isArray(p.value) ? (p.value as Rec[]) : [];
  const set = (i: number, r: Rec) => p.onChange(rows.map((x, j) => (i === j ? r : x)));
  if (!newRule[p.widget]) return <JSONField value={p.value} onChange={(v) => p.onChange(Array.isArray(v) ? v : [])} />;
  return (
    <div className="fg-rules" data-widget={p.widget}>
      {rows.map((r, i) => (
        <div className="fg-rule" key={i}>
          {p.widget === 'switch-rules' && <SwitchRule r={r} types={p.types.length ? p.types : valueTypes} set={(x) => set(i, x)} />}
          {p.widget === 'change-rules' && <ChangeRule r={r} set={(x) => set(i, x)} />}
          {p.widget === 'inject-props' &&
            (r.p === 'payload' || r.p === 'topic' ? (
              // Node-RED keeps payload and topic in the node's own properties.
              <>
                <span className="fg-prefix">msg.{String(r.p)}</span>
                {r.p === 'payload' ? (
                  <TypedInput types={p.types} type={str(p.node.payloadType)} value={str(p.node.payload)} onChange={(payloadType, payload) => p.setNode({ payloadType, payload })} />
                ) : (
                  <input aria-label="topic" value={str(p.node.topic)} onChange={(e) => p.setNode({ topic: e.target.value })} />
                )}
              </>
            ) : (
              <InjectProp r={r} types={p.types} set={(x) => set(i, x)} />
            ))}
          {p.widget === 'switch-rules' && <span className="fg-port-no">→ {i + 1}</span>}
          <button className="fg-icon" title="remove" aria-label="remove rule" onClick={() => p.onChange(rows.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button onClick={() => p.onChange([...rows, { ...newRule[p.widget] }])}>+ add</button>
    </div>
  );
}

/** JSONField edits any JSON value as text; invalid text is not applied. */
export function JSONField({ value, onChange }: { value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(() => JSON.stringify(value ?? null, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <textarea
      className={'fg-json' + (bad ? ' bad' : '')}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          onChange(JSON.parse(e.target.value));
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}
