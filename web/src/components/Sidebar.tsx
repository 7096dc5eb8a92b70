// The sidebar: debug messages and the selected node's info and help.

import { Fragment, lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { getHW } from '../hwapi';
import { configUsers, labelOf } from '../model/flows';
import { actions, deleteNode, useStore, type DebugEntry } from '../store';
import { Hardware } from './Hardware';

// the data tab and its chart library load when the tab first opens
const DataTab = lazy(() => import('./DataTab'));

export function Sidebar() {
  const tab = useStore((s) => s.sidebar);
  // the hardware tab shows when /api/hw answers (not with --hw off); asked
  // once the editor has loaded, so a login comes first
  const loaded = useStore((s) => s.specList.length > 0);
  const [hw, setHW] = useState(false);
  useEffect(() => {
    if (!loaded) return;
    let live = true;
    getHW().then(
      (a) => live && setHW(a !== null),
      () => live && setHW(false),
    );
    return () => {
      live = false;
    };
  }, [loaded]);
  return (
    <aside className="fg-sidebar">
      <nav>
        <button className={tab === 'info' ? 'on' : ''} onClick={() => actions.set({ sidebar: 'info' })}>
          info
        </button>
        <button className={tab === 'debug' ? 'on' : ''} onClick={() => actions.set({ sidebar: 'debug' })}>
          debug
        </button>
        <button className={tab === 'config' ? 'on' : ''} onClick={() => actions.set({ sidebar: 'config' })}>
          config nodes
        </button>
        {hw && (
          <button className={tab === 'hw' ? 'on' : ''} onClick={() => actions.set({ sidebar: 'hw' })}>
            hardware
          </button>
        )}
        <button className={tab === 'data' ? 'on' : ''} onClick={() => actions.set({ sidebar: 'data' })}>
          data
        </button>
      </nav>
      {tab === 'debug' ? <Debug /> : tab === 'config' ? <ConfigNodes /> : tab === 'hw' && hw ? <Hardware /> : tab === 'data' ? (
        <Suspense fallback={<div className="fg-info">Loading…</div>}>
          <DataTab />
        </Suspense>
      ) : (
        <Info />
      )}
    </aside>
  );
}

function Debug() {
  const debug = useStore((s) => s.debug);
  const tab = useStore((s) => s.tab);
  const [here, setHere] = useState(false);
  const [node, setNode] = useState('');
  const shown = debug.filter((d) => (!here || d.z === tab) && (!node || d.id === node));
  return (
    <div className="fg-debug">
      <div className="fg-debug-tools">
        <label className="fg-check">
          <input type="checkbox" checked={here} onChange={(e) => setHere(e.target.checked)} /> current flow
        </label>
        {node && (
          <button onClick={() => setNode('')} title="show all nodes">
            node {node.slice(0, 6)}… ×
          </button>
        )}
        <span className="fg-spacer" />
        <button onClick={() => actions.set({ debug: [] })} title="clear messages">
          clear
        </button>
      </div>
      <div className="fg-debug-list" aria-label="debug messages">
        {shown.map((d) => (
          <DebugMessage key={d.key} d={d} onFilter={() => setNode(d.id)} />
        ))}
      </div>
    </div>
  );
}

function DebugMessage({ d, onFilter }: { d: DebugEntry; onFilter: () => void }) {
  const value = useMemo(() => decode(d), [d]);
  return (
    <div className="fg-debug-msg" data-node={d.id}>
      <div className="fg-debug-meta">
        <span>{d.time.toLocaleTimeString()}</span>
        <a href="#" onClick={(e) => (e.preventDefault(), actions.get().reveal(d.id))} title="show node">
          node: {d.name || d.id}
        </a>
        <a href="#" onClick={(e) => (e.preventDefault(), onFilter())} title="only this node">
          ⚲
        </a>
      </div>
      <div className="fg-debug-topic">
        {d.topic ? `${d.topic} : ` : ''}
        {d.property ? `msg.${d.property}` : 'msg'} : {d.format}
      </div>
      <div className="fg-debug-value">
        <Tree value={value} />
      </div>
    </div>
  );
}

/** decode turns a debug message's encoded msg back into a value. */
export function decode(d: Pick<DebugEntry, 'msg' | 'format'>): unknown {
  const f = d.format;
  if (f.startsWith('string') || f === '') return d.msg;
  try {
    const v = JSON.parse(d.msg) as unknown;
    if (f.startsWith('buffer') && v && typeof v === 'object' && Array.isArray((v as { data?: unknown }).data)) {
      return new Uint8Array((v as { data: number[] }).data);
    }
    return v;
  } catch {
    return d.msg;
  }
}

const pageSize = 100;

function Tree({ value, name }: { value: unknown; name?: string }): ReactNode {
  const [page, setPage] = useState(0);
  const key = name !== undefined ? <span className="fg-key">{name}: </span> : null;
  if (value instanceof Uint8Array) {
    const bytes = Array.from(value.slice(0, 256), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return (
      <div>
        {key}
        <span className="fg-buf">
          buffer[{value.length}] {bytes}
          {value.length > 256 ? ' …' : ''}
        </span>
      </div>
    );
  }
  if (value && typeof value === 'object') {
    const arr = Array.isArray(value);
    const entries = arr ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value);
    const pages = Math.ceil(entries.length / pageSize);
    return (
      <details open={name === undefined}>
        <summary>
          {key}
          {arr ? `array[${entries.length}]` : 'object'}
        </summary>
        <div className="fg-tree">
          {entries.slice(page * pageSize, (page + 1) * pageSize).map(([k, v]) => (
            <Tree key={k} name={k} value={v} />
          ))}
          {pages > 1 && (
            <div className="fg-pager">
              <button disabled={page === 0} onClick={() => setPage(page - 1)}>
                ‹
              </button>
              [{page * pageSize}…{Math.min(entries.length, (page + 1) * pageSize) - 1}]
              <button disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
                ›
              </button>
            </div>
          )}
        </div>
      </details>
    );
  }
  const cls = typeof value === 'string' ? 'fg-str' : 'fg-num';
  return (
    <div>
      {key}
      <span className={cls}>{typeof value === 'string' && name !== undefined ? JSON.stringify(value) : String(value)}</span>
    </div>
  );
}

/** ConfigNodes lists the config nodes with the nodes that use them. */
function ConfigNodes() {
  const m = useStore((s) => s.history.present);
  const specs = useStore((s) => s.specs);
  const users = useMemo(() => configUsers(m, specs), [m, specs]);
  const byType = new Map<string, string[]>();
  for (const id of users.keys()) {
    const t = m.nodes[id].type;
    byType.set(t, [...(byType.get(t) ?? []), id]);
  }
  if (byType.size === 0) return <div className="fg-info">No configuration nodes.</div>;
  return (
    <div className="fg-info fg-config" aria-label="config nodes">
      {[...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, ids]) => (
        <section key={type}>
          <h4>{type}</h4>
          {ids.map((id) => {
            const n = m.nodes[id];
            const us = users.get(id) ?? [];
            return (
              <div key={id} className={'fg-config-node' + (us.length === 0 ? ' unused' : '')} data-config-id={id}>
                <div className="fg-config-head">
                  <a href="#" onClick={(e) => (e.preventDefault(), actions.set({ editing: id }))} title="edit">
                    {labelOf(n, specs)}
                  </a>
                  <span className="fg-config-count">{us.length === 0 ? 'unused' : `${us.length} user${us.length > 1 ? 's' : ''}`}</span>
                  <button
                    className="fg-icon"
                    title="delete"
                    aria-label="delete config node"
                    onClick={() => {
                      if (us.length === 0 || confirm(`Delete ${labelOf(n, specs)}? ${us.length} node(s) use it.`)) deleteNode(id);
                    }}
                  >
                    ×
                  </button>
                </div>
                {us.length > 0 && (
                  <ul>
                    {us.map((u) => (
                      <li key={u}>
                        <a href="#" onClick={(e) => (e.preventDefault(), actions.get().reveal(u))}>
                          {labelOf(m.nodes[u], specs)}
                        </a>{' '}
                        <small>{m.nodes[u].type}</small>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </section>
      ))}
    </div>
  );
}

function Info() {
  const selected = useStore((s) => s.selected);
  const m = useStore((s) => s.history.present);
  const specs = useStore((s) => s.specs);
  const tab = useStore((s) => s.tab);
  const n = selected.length === 1 ? m.nodes[selected[0]] : undefined;
  if (!n) {
    // as Node-RED: with no node selected, the flow's own description
    const flow = m.nodes[tab];
    const info = typeof flow?.info === 'string' ? flow.info.trim() : '';
    return (
      <div className="fg-info">
        {flow && <h4>{String(flow.label ?? flow.name ?? flow.id)}</h4>}
        {info ? (
          <div className="fg-flow-info">
            <Markdown text={info} />
          </div>
        ) : (
          <p>Select a node to see its properties and help.</p>
        )}
      </div>
    );
  }
  const spec = specs[n.type];
  return (
    <div className="fg-info">
      <table>
        <tbody>
          <tr>
            <th>node</th>
            <td>{labelOf(n, specs)}</td>
          </tr>
          <tr>
            <th>type</th>
            <td>{n.type}</td>
          </tr>
          <tr>
            <th>id</th>
            <td>{n.id}</td>
          </tr>
          {spec?.props
            .filter((p) => !p.hidden && p.kind !== 'code')
            .map((p) => (
              <tr key={p.name}>
                <th>{p.name}</th>
                <td>{typeof n[p.name] === 'string' ? String(n[p.name]) : JSON.stringify(n[p.name])}</td>
              </tr>
            ))}
        </tbody>
      </table>
      {typeof n.info === 'string' && n.info.trim() !== '' && (
        <div className="fg-node-info">
          <Markdown text={n.info} />
        </div>
      )}
      {spec ? <Markdown text={spec.help} /> : <p>Unknown node type: its properties are kept but it cannot run.</p>}
    </div>
  );
}

/** Markdown renders the small Markdown of help texts (headings, lists,
 * definition lines ": name (type) : text", code) without raw HTML. */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('```')) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      blocks.push(<pre key={i}>{code.join('\n')}</pre>);
    } else if (/^#{1,6} /.test(l)) {
      blocks.push(<h4 key={i}>{inline(l.replace(/^#+ /, ''))}</h4>);
    } else if (/^\s*[-*] /.test(l) || /^: /.test(l)) {
      const items: string[] = [];
      for (; i < lines.length && (/^\s*[-*] /.test(lines[i]) || /^: /.test(lines[i]) || /^ {2,}\S/.test(lines[i])); i++) {
        if (/^ {2,}\S/.test(lines[i]) && items.length) items[items.length - 1] += ' ' + lines[i].trim();
        else items.push(lines[i].replace(/^\s*[-*:] /, ''));
      }
      i--;
      blocks.push(
        <ul key={i}>
          {items.map((it, k) => (
            <li key={k}>{inline(it)}</li>
          ))}
        </ul>,
      );
    } else if (l.trim() !== '') {
      const para: string[] = [l];
      for (; i + 1 < lines.length && lines[i + 1].trim() !== '' && !/^(#|```|\s*[-*] |: )/.test(lines[i + 1]); i++) para.push(lines[i + 1]);
      blocks.push(<p key={i}>{inline(para.join(' '))}</p>);
    }
  }
  return <div className="fg-md">{blocks}</div>;
}

/** inline renders `code`, **strong**, *emphasis* or _emphasis_ and
 * [links](url) (http, https, mailto or relative only); everything else is
 * text, never HTML. */
function inline(s: string): ReactNode {
  return s.split(/(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|\b_[^_\s][^_]*_\b|\[[^\]]+\]\([^)\s]+\))/).map((part, i) => {
    if (part.length > 1 && part.startsWith('`') && part.endsWith('`')) return <code key={i}>{part.slice(1, -1)}</code>;
    if (part.length > 4 && part.startsWith('**') && part.endsWith('**')) return <strong key={i}>{inline(part.slice(2, -2))}</strong>;
    if (part.length > 2 && ((part.startsWith('*') && part.endsWith('*')) || (part.startsWith('_') && part.endsWith('_')))) return <em key={i}>{inline(part.slice(1, -1))}</em>;
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
    if (link) {
      const safe = /^(https?:|mailto:|\/|#|\.)/i.test(link[2]) || !/^[a-z][a-z0-9+.-]*:/i.test(link[2]);
      return safe ? (
        <a key={i} href={link[2]} target="_blank" rel="noopener noreferrer">
          {link[1]}
        </a>
      ) : (
        <Fragment key={i}>{link[1]}</Fragment>
      );
    }
    return <Fragment key={i}>{part}</Fragment>;
  });
}
