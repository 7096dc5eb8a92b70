// The editor's layout, dialogs and keyboard shortcuts.

import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useRef, useState } from 'react';
import type { DeployMode } from './api';
import { ApiError, authToken, forgetToken, getLogin, onUnauthorized } from './api';
import { connectComms } from './comms';
import { Canvas, isTyping } from './components/Canvas';
import { ContextMenu } from './components/ContextMenu';
import { FlowProperties } from './components/FlowProperties';
import { Login } from './components/Login';
import { NodeEditor } from './components/NodeEditor';
import { Palette } from './components/Palette';
import { QuickAdd } from './components/QuickAdd';
import { Sidebar } from './components/Sidebar';
import { SubflowBar, SubflowTabs } from './components/Subflow';
import { watchSubflowSpecs } from './subflows';
import { exportNodes, exportText } from './model/clipboard';
import { labelOf, tabs, toFlows } from './model/flows';
import type { NodeChange } from './model/merge';
import {
  actions,
  addTab,
  copy,
  deleteTab,
  deploy,
  doRedo,
  doUndo,
  isDirty,
  load,
  moveTab,
  onComms,
  paste,
  mergeBackground,
  reload,
  reviewBackground,
  closeTop,
  selectAll,
  setConnected,
  setTab,
  toggleTabDisabled,
  useStore,
} from './store';

type Dialog = null | 'import' | 'export' | 'help' | 'search';

export function App() {
  const [error, setError] = useState('');
  const [dialog, setDialog] = useState<Dialog>(null);
  const dialogNow = useRef(dialog);
  dialogNow.current = dialog;
  // needLogin is set when adminAuth refuses the editor's calls; session
  // counts logins, restarting the load and /comms after each
  const [needLogin, setNeedLogin] = useState(false);
  const [session, setSession] = useState(0);
  const editing = useStore((s) => s.editing);
  const connected = useStore((s) => s.connected);
  const notice = useStore((s) => s.notice);
  const conflict = useStore((s) => s.conflict);
  const flowProps = useStore((s) => s.flowProps);

  useEffect(watchSubflowSpecs, []);
  useEffect(() => {
    let stop = () => {};
    let live = true;
    const refused = () => {
      forgetToken();
      stop();
      getLogin().then(
        (l) => live && (l.type === 'credentials' ? setNeedLogin(true) : setError('the server refused the editor (401)')),
        () => live && setNeedLogin(true),
      );
    };
    onUnauthorized(refused);
    load()
      .then(() => {
        if (live) stop = connectComms({ onItems: onComms, onState: setConnected, onAuthFail: refused }, undefined, authToken);
      })
      .catch((e: Error) => {
        if (e instanceof ApiError && e.status === 401) return; // refused shows the login
        if (live) setError(e.message);
      });
    return () => {
      live = false;
      stop();
    };
  }, [session]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Escape closes every dialog, the topmost first, even from a field
      if (e.key === 'Escape') {
        if (!actions.get().menu && dialogNow.current) setDialog(null);
        else if (!closeTop()) return;
        e.preventDefault();
        return;
      }
      if (isTyping(e) || actions.get().editing || actions.get().flowProps) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === 'z' && !e.shiftKey) doUndo();
      else if (mod && (k === 'y' || (k === 'z' && e.shiftKey))) doRedo();
      else if (mod && k === 'a') selectAll();
      else if (mod && k === 'c') copy();
      else if (mod && k === 'x') copy(true);
      else if (mod && k === 'v') {
        const fallback = actions.get().clipboard;
        if (navigator.clipboard?.readText) {
          navigator.clipboard.readText().then((t) => paste(t || fallback), () => fallback && paste(fallback));
        } else if (fallback) paste(fallback);
      } else if (mod && k === 'd') void deploy();
      else if (mod && k === 'f') setDialog('search');
      else if (mod && k === 'i') setDialog('import');
      else if (mod && k === 'e') setDialog('export');
      else if (!mod && k === '?') setDialog('help');
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (error) return <div className="fg-fatal">Cannot load the editor: {error}</div>;
  if (needLogin)
    return (
      <Login
        done={() => {
          setNeedLogin(false);
          setSession((n) => n + 1);
        }}
      />
    );
  return (
    <ReactFlowProvider>
      <div className="fg-app">
        <Header open={setDialog} />
        {connected === false && <div className="fg-banner" role="alert">Connection to the server lost — reconnecting…</div>}
        <div className="fg-main">
          <Palette />
          <div className="fg-workspace">
            <Tabs />
            <SubflowBar />
            <Canvas />
          </div>
          <Sidebar />
        </div>
        {editing && <NodeEditor key={editing} id={editing} />}
        {flowProps && <FlowProperties key={flowProps} id={flowProps} />}
        <ContextMenu openDialog={setDialog} />
        <QuickAdd />
        {notice && <div className="fg-notice" role="status">{notice}</div>}
        <BackgroundDeploy />
        {conflict && (
          <Modal title="Deploy conflict" onClose={() => actions.set({ conflict: false })}>
            <p>The flows on the server were changed by someone else since you loaded them.</p>
            <div className="fg-buttons">
              <button onClick={() => actions.set({ conflict: false })}>Review</button>
              <button onClick={() => void reload()}>Reload (discard my changes)</button>
              <button className="primary" onClick={() => void deploy('full', true)}>
                Overwrite
              </button>
            </div>
          </Modal>
        )}
        {dialog === 'import' && <ImportDialog close={() => setDialog(null)} />}
        {dialog === 'export' && <ExportDialog close={() => setDialog(null)} />}
        {dialog === 'help' && <HelpDialog close={() => setDialog(null)} />}
        {dialog === 'search' && <SearchDialog close={() => setDialog(null)} />}
      </div>
    </ReactFlowProvider>
  );
}

function Header({ open }: { open: (d: Dialog) => void }) {
  const dirty = useStore(isDirty);
  const deploying = useStore((s) => s.deploying);
  const [mode, setMode] = useState<DeployMode>('full');
  const canUndo = useStore((s) => s.history.past.length > 0);
  const canRedo = useStore((s) => s.history.future.length > 0);
  return (
    <header className="fg-header">
      <span className="fg-logo">Flowgate</span>
      <span className="fg-spacer" />
      <button onClick={doUndo} disabled={!canUndo} title="undo (Ctrl+Z)">
        undo
      </button>
      <button onClick={doRedo} disabled={!canRedo} title="redo (Ctrl+Y)">
        redo
      </button>
      <button onClick={() => open('search')} title="search (Ctrl+F)">
        search
      </button>
      <button onClick={() => open('import')} title="import (Ctrl+I)">
        import
      </button>
      <button onClick={() => open('export')} title="export (Ctrl+E)">
        export
      </button>
      <button onClick={() => open('help')} title="keyboard shortcuts (?)">
        ?
      </button>
      <span className="fg-deploy">
        <button className={'primary' + (dirty ? ' dirty' : '')} disabled={deploying || !dirty} onClick={() => void deploy(mode)} title="deploy (Ctrl+D)">
          {dirty && <span className="fg-dirty" aria-label="undeployed changes" />}
          Deploy
        </button>
        <select aria-label="deploy type" value={mode} onChange={(e) => setMode(e.target.value as DeployMode)}>
          <option value="full">full</option>
          <option value="flows">modified flows</option>
          <option value="nodes">modified nodes</option>
        </select>
      </span>
    </header>
  );
}

function Tabs() {
  const m = useStore((s) => s.history.present);
  const tab = useStore((s) => s.tab);
  return (
    <div className="fg-tabs" role="tablist">
      {tabs(m).map((t) => (
        <div
          key={t.id}
          role="tab"
          aria-selected={t.id === tab}
          className={'fg-tab' + (t.id === tab ? ' on' : '') + (t.disabled ? ' disabled' : '')}
          onClick={() => setTab(t.id)}
          onDoubleClick={() => actions.set({ flowProps: t.id })}
        >
          {String(t.label ?? t.id)}
          {t.id === tab && (
            <span className="fg-tab-tools">
              <button title="move left" onClick={(e) => (e.stopPropagation(), moveTab(t.id, -1))}>‹</button>
              <button title="move right" onClick={(e) => (e.stopPropagation(), moveTab(t.id, 1))}>›</button>
              <button title={t.disabled ? 'enable flow' : 'disable flow'} onClick={(e) => (e.stopPropagation(), toggleTabDisabled(t.id))}>
                {t.disabled ? '○' : '●'}
              </button>
              <button
                title="delete flow"
                onClick={(e) => {
                  e.stopPropagation();
                  if (confirm(`Delete flow "${String(t.label ?? t.id)}" and its nodes?`)) deleteTab(t.id);
                }}
              >
                ×
              </button>
            </span>
          )}
        </div>
      ))}
      <button className="fg-tab-add" title="add flow" onClick={addTab}>
        +
      </button>
      <SubflowTabs />
    </div>
  );
}

/** BackgroundDeploy: Node-RED's notice of a deploy made elsewhere, and
 * the review of the server's flows with a merge. */
function BackgroundDeploy() {
  const background = useStore((s) => s.background);
  const review = useStore((s) => s.review);
  const close = () => actions.set({ review: null });
  const list = (title: string, cs: NodeChange[]) =>
    cs.length > 0 && (
      <>
        <h4>{title}</h4>
        <ul className={'fg-merge-' + title.toLowerCase().split(' ')[0]}>
          {cs.map((c) => (
            <li key={c.id}>
              <code>{c.type}</code> {c.name || c.id}
            </li>
          ))}
        </ul>
      </>
    );
  return (
    <>
      {background && !review && (
        <div className="fg-notice fg-background" role="alert">
          The flows on the server have been updated.
          <div className="fg-buttons">
            <button onClick={() => actions.set({ background: '' })}>Ignore</button>
            <button className="primary" onClick={() => void reviewBackground()}>
              Review changes
            </button>
          </div>
        </div>
      )}
      {review && (
        <Modal title="Review changes" onClose={close}>
          <div className="fg-merge">
            {review.diff.added.length + review.diff.changed.length + review.diff.deleted.length === 0 && <p>No node changed.</p>}
            {list('Added', review.diff.added)}
            {list('Changed', review.diff.changed)}
            {list('Deleted', review.diff.deleted)}
            {list('Conflicts (the server version is taken)', review.conflicts)}
          </div>
          <div className="fg-buttons">
            <button onClick={close}>Cancel</button>
            <button className="primary" onClick={mergeBackground}>
              Merge
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}

function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: React.ReactNode }) {
  return (
    <div className="fg-modal-back" onClick={onClose}>
      <div className="fg-modal" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        {children}
      </div>
    </div>
  );
}

function ImportDialog({ close }: { close: () => void }) {
  const [text, setText] = useState('');
  const [newTab, setNewTab] = useState(false);
  return (
    <Modal title="Import nodes" onClose={close}>
      <textarea className="fg-json" aria-label="import text" placeholder="Paste flow JSON" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
      <input type="file" accept=".json,application/json" onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? '')} />
      <label className="fg-check">
        <input type="checkbox" checked={newTab} onChange={(e) => setNewTab(e.target.checked)} /> into a new flow
      </label>
      <div className="fg-buttons">
        <button onClick={close}>Cancel</button>
        <button
          className="primary"
          onClick={() => {
            if (newTab) addTab();
            if (paste(text, 0, 0, true)) close();
          }}
        >
          Import
        </button>
      </div>
    </Modal>
  );
}

function ExportDialog({ close }: { close: () => void }) {
  const s = useStore();
  const [what, setWhat] = useState<'selected' | 'tab' | 'all'>(s.selected.length ? 'selected' : 'tab');
  const [formatted, setFormatted] = useState(false);
  const m = s.history.present;
  const nodes = what === 'all' ? toFlows(m) : exportNodes(m, what === 'tab' ? [s.tab] : s.selected, s.specs);
  const text = exportText(nodes, formatted);
  return (
    <Modal title="Export nodes" onClose={close}>
      <div className="fg-buttons left">
        {(['selected', 'tab', 'all'] as const).map((w) => (
          <button key={w} className={w === what ? 'on' : ''} onClick={() => setWhat(w)}>
            {w === 'tab' ? 'current flow' : w === 'all' ? 'all flows' : 'selected nodes'}
          </button>
        ))}
        <label className="fg-check">
          <input type="checkbox" checked={formatted} onChange={(e) => setFormatted(e.target.checked)} /> formatted
        </label>
      </div>
      <textarea className="fg-json" aria-label="export text" readOnly value={text} />
      <div className="fg-buttons">
        <button onClick={close}>Close</button>
        <button
          onClick={() => {
            const a = document.createElement('a');
            a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
            a.download = 'flows.json';
            a.click();
            setTimeout(() => URL.revokeObjectURL(a.href), 1000);
          }}
        >
          Download
        </button>
        <button
          className="primary"
          onClick={() => {
            actions.set({ clipboard: text });
            void navigator.clipboard?.writeText(text).catch(() => {});
            close();
          }}
        >
          Copy
        </button>
      </div>
    </Modal>
  );
}

function SearchDialog({ close }: { close: () => void }) {
  const [q, setQ] = useState('');
  const m = useStore((s) => s.history.present);
  const specs = useStore((s) => s.specs);
  const f = q.trim().toLowerCase();
  const hits = f
    ? toFlows(m)
        .filter((n) => n.type !== 'tab' && [n.id, n.type, labelOf(n, specs)].some((x) => x.toLowerCase().includes(f)))
        .slice(0, 50)
    : [];
  return (
    <Modal title="Search" onClose={close}>
      <input aria-label="search" autoFocus value={q} onChange={(e) => setQ(e.target.value)} placeholder="name, type or id" />
      <ul className="fg-hits">
        {hits.map((n) => (
          <li key={n.id}>
            <a href="#" onClick={(e) => (e.preventDefault(), actions.get().reveal(n.id), close())}>
              {labelOf(n, specs)} <small>{n.type}</small>
            </a>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

const shortcuts: [string, string][] = [
  ['Ctrl+A', 'select all nodes'],
  ['Ctrl+C / Ctrl+X / Ctrl+V', 'copy / cut / paste (Node-RED JSON)'],
  ['Delete', 'delete selection'],
  ['Ctrl+Z / Ctrl+Y', 'undo / redo'],
  ['Ctrl+D', 'deploy'],
  ['Ctrl+F', 'search'],
  ['Ctrl+I / Ctrl+E', 'import / export'],
  ['Shift+drag', 'box select'],
  ['double-click', 'edit node (on a flow tab: flow properties)'],
  ['right-click', 'context menu'],
  ['Ctrl+click', 'quick-add a node where clicked'],
  ['drop on a wire', 'splice the node into the wire'],
  ['Escape', 'close the open dialog'],
  ['?', 'this help'],
];

function HelpDialog({ close }: { close: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={close}>
      <table>
        <tbody>
          {shortcuts.map(([k, d]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{d}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="fg-buttons">
        <button onClick={close}>Close</button>
      </div>
    </Modal>
  );
}
