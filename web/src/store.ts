// The editor's state (Zustand): the document with its undo history, the
// deployed revision, selection, and the live state from /comms.

import { create } from 'zustand';
import * as api from './api';
import { ApiError, type DeployMode } from './api';
import type { CommsItem } from './comms';
import { exportNodes, exportText, pasteNodes } from './model/clipboard';
import {
  addNodes,
  emptyModel,
  fromFlows,
  moveNodes,
  newNode,
  nodesOn,
  removeNodes,
  replaceNode,
  tabs,
  toFlows,
  updateNode,
  type Model,
} from './model/flows';
import { canRedo, canUndo, initHistory, push, redo, undo, type History } from './model/history';
import { newId } from './model/ids';
import { diffFlows, mergeFlows, type FlowsDiff, type NodeChange } from './model/merge';
import type { Problem, Spec, Specs } from './model/types';
import { applyProps, connect, disconnect, fitWires, outputCount, spliceIn } from './model/wiring';

export interface DebugEntry {
  key: number;
  time: Date;
  id: string;
  z?: string;
  name?: string;
  topic?: string;
  property?: string;
  msg: string;
  format: string;
}

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export interface Review {
  rev: string;
  remote: Model;
  /** what the server's flows change relative to this editor's deployed flows */
  diff: FlowsDiff;
  /** nodes whose local undeployed edits the merge would replace */
  conflicts: NodeChange[];
}

export interface ContextMenuAt {
  x: number;
  y: number;
  flowX: number;
  flowY: number;
  node: string | null;
}

export interface State {
  specs: Specs;
  specList: Spec[];
  history: History<Model>;
  deployed: Model;
  rev: string;
  tab: string;
  selected: string[];
  editing: string | null;
  problems: Record<string, Problem[]>;
  conflict: boolean;
  /** the revision of a deploy made elsewhere (the notice is shown), or '' */
  background: string;
  /** the server's flows under review, with what the merge would do */
  review: Review | null;
  deploying: boolean;
  notice: string;
  debug: DebugEntry[];
  status: Record<string, NodeStatus>;
  connected: boolean | null;
  sidebar: 'info' | 'debug' | 'config' | 'hw' | 'data';
  /** the topic "show data" asked the data tab to chart, with a count so
   * asking again for the same topic is seen */
  dataTopic: { topic: string; n: number } | null;
  /** the canvas's context menu: where it opened (screen and flow
   * coordinates) and the node under the pointer */
  menu: ContextMenuAt | null;
  /** Node-RED's quick-add box (Ctrl+click on the canvas), where it opened */
  quickAdd: ContextMenuAt | null;
  /** the tab (flow) whose properties panel is open */
  flowProps: string | null;
  /** set by the canvas: centres the view on a node */
  reveal: (id: string) => void;
  clipboard: string;
}

const maxDebug = 1000;
let debugKey = 0;

export const useStore = create<State>(() => ({
  specs: {},
  specList: [],
  history: initHistory(emptyModel),
  deployed: emptyModel,
  rev: '',
  tab: '',
  selected: [],
  editing: null,
  problems: {},
  conflict: false,
  background: '',
  review: null,
  deploying: false,
  notice: '',
  debug: [],
  status: {},
  connected: null,
  sidebar: 'debug',
  dataTopic: null,
  menu: null,
  quickAdd: null,
  flowProps: null,
  reveal: () => {},
  clipboard: '',
}));

const get = useStore.getState;
const set = useStore.setState;

export const model = () => get().history.present;
export const isDirty = (s: State) => s.history.present !== s.deployed;

function notify(notice: string) {
  set({ notice });
  setTimeout(() => {
    if (get().notice === notice) set({ notice: '' });
  }, 4000);
}

/** change records a new document as one undo step. */
export function change(f: (m: Model) => Model) {
  const h = get().history;
  set({ history: push(h, f(h.present)) });
}

function firstTab(m: Model): string {
  return tabs(m)[0]?.id ?? '';
}

export async function load() {
  const [specList, flows] = await Promise.all([api.getNodes(), api.getFlows()]);
  const specs = Object.fromEntries(specList.map((s) => [s.type, s]));
  let m = fromFlows(flows.flows);
  const deployed = m;
  if (tabs(m).length === 0) m = addNodes(m, [{ id: newId(), type: 'tab', label: 'Flow 1', disabled: false, info: '', env: [] }]);
  set({ specs, specList, history: initHistory(m), deployed, rev: flows.rev, tab: firstTab(m), selected: [], problems: {} });
}

export async function reload() {
  const flows = await api.getFlows();
  const m = fromFlows(flows.flows);
  const tab = tabs(m).some((t) => t.id === get().tab) ? get().tab : firstTab(m);
  set({ history: initHistory(m), deployed: m, rev: flows.rev, tab, selected: [], problems: {}, conflict: false, background: '', review: null });
}

/** reviewBackground loads the server's flows after a deploy made
 * elsewhere and shows what changed. */
export async function reviewBackground() {
  const flows = await api.getFlows();
  const s = get();
  const remote = fromFlows(flows.flows);
  const { conflicts } = mergeFlows(s.deployed, s.history.present, remote);
  set({ background: '', review: { rev: flows.rev, remote, diff: diffFlows(s.deployed, remote), conflicts } });
}

/** mergeBackground takes the server's flows under review, keeping this
 * editor's undeployed edits that do not conflict (one undo step). */
export function mergeBackground() {
  const s = get();
  if (!s.review) return;
  const { merged } = mergeFlows(s.deployed, s.history.present, s.review.remote);
  const tab = merged.nodes[s.tab] ? s.tab : firstTab(merged);
  set({ history: push(s.history, merged), deployed: s.review.remote, rev: s.review.rev, review: null, background: '', conflict: false, tab });
}

function byNode(ps: Problem[]): Record<string, Problem[]> {
  const out: Record<string, Problem[]> = {};
  for (const p of ps) if (p.node) (out[p.node] ??= []).push(p);
  return out;
}

function describe(p: Problem): string {
  return (p.field ? p.field + ': ' : '') + p.reason;
}

export async function deploy(mode: DeployMode = 'full', overwrite = false) {
  const s = get();
  const m = s.history.present;
  set({ deploying: true });
  try {
    let rev = s.rev;
    if (overwrite) rev = (await api.getFlows()).rev;
    const next = await api.deploy(toFlows(m), rev, mode);
    set({ deployed: m, rev: next.rev, problems: byNode(next.warnings), conflict: false, background: '' });
    const n = next.warnings.length;
    notify(n === 0 ? 'Successfully deployed' : `Deployed with ${n} warning${n > 1 ? 's' : ''}: ${describe(next.warnings[0])}`);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'version_mismatch') {
      set({ conflict: true });
    } else if (e instanceof ApiError && e.problems.length > 0) {
      set({ problems: byNode(e.problems) });
      const p = e.problems[0];
      const n = m.nodes[p.node];
      if (n?.z && n.z !== s.tab) set({ tab: n.z });
      notify(`Deploy failed: ${e.problems.length} problem${e.problems.length > 1 ? 's' : ''}: ${describe(p)}`);
    } else {
      notify(`Deploy failed: ${(e as Error).message}`);
    }
  } finally {
    set({ deploying: false });
  }
}

export function setTab(tab: string) {
  set({ tab, selected: [] });
}

export function addTab() {
  const n = tabs(model()).length + 1;
  const id = newId();
  change((m) => addNodes(m, [{ id, type: 'tab', label: `Flow ${n}`, disabled: false, info: '', env: [] }]));
  setTab(id);
}

/** editTab applies the flow properties panel (label, disabled, info, env)
 * as one undo step. */
export function editTab(id: string, patch: Record<string, unknown>) {
  change((m) => updateNode(m, id, patch));
  set({ flowProps: null });
}

/** toggleDisabled disables the selected nodes, or enables them when all
 * are disabled (Node-RED's "Enable/Disable selection"). */
export function toggleDisabled(ids: string[]) {
  const m = model();
  const nodes = ids.map((id) => m.nodes[id]).filter(Boolean);
  if (nodes.length === 0) return;
  const off = nodes.every((n) => n.d === true);
  change((cur) => nodes.reduce((acc, n) => updateNode(acc, n.id, { d: off ? undefined : true }), cur));
}

/** closeTop closes the topmost of the context menu, the quick-add box, the review, the
 * conflict, the flow properties panel and the node editor; it says whether
 * one was open (Escape closes every dialog). */
export function closeTop(): boolean {
  const s = get();
  if (s.menu) set({ menu: null });
  else if (s.quickAdd) set({ quickAdd: null });
  else if (s.review) set({ review: null });
  else if (s.conflict) set({ conflict: false });
  else if (s.flowProps) set({ flowProps: null });
  else if (s.editing) set({ editing: null });
  else return false;
  return true;
}

export function toggleTabDisabled(id: string) {
  change((m) => updateNode(m, id, { disabled: !m.nodes[id]?.disabled }));
}

export function deleteTab(id: string) {
  const rest = tabs(model()).filter((t) => t.id !== id);
  change((m) => removeNodes(m, [id]));
  if (get().tab === id) setTab(rest[0]?.id ?? '');
}

export function moveTab(id: string, by: number) {
  change((m) => {
    const ts = tabs(m).map((t) => t.id);
    const i = ts.indexOf(id);
    const j = i + by;
    if (i < 0 || j < 0 || j >= ts.length) return m;
    const order = [...m.order];
    const a = order.indexOf(ts[i]);
    const b = order.indexOf(ts[j]);
    [order[a], order[b]] = [order[b], order[a]];
    return { order, nodes: m.nodes };
  });
}

/** WireAt is a wire of the canvas: output port of src to dst. */
export interface WireAt {
  src: string;
  port: number;
  dst: string;
}

/** addNodeAt adds a node of type at x,y; dropped on a wire (into), it is
 * spliced into it in the same undo step, as Node-RED does. */
export function addNodeAt(type: string, x: number, y: number, into?: WireAt | null): string | null {
  const s = get();
  const spec = s.specs[type];
  if (!spec || !s.tab) return null;
  const id = newId();
  const n = newNode(spec, id, s.tab, x, y);
  change((m) => {
    const out = addNodes(m, [spec.config ? n : fitWires(n, outputCount(n, spec))]);
    return into ? spliceIn(out, s.specs, into.src, into.port, into.dst, id) : out;
  });
  set({ selected: [id] });
  return id;
}

/** moveNodesTo moves nodes (centres) and, when one node is dropped on a
 * wire, splices it in: one undo step. */
export function moveNodesTo(pos: Record<string, { x: number; y: number }>, into?: WireAt | null, extra?: (m: Model) => Model) {
  const ids = Object.keys(pos);
  change((m) => {
    let out = moveNodes(m, pos);
    if (extra) out = extra(out);
    return into && ids.length === 1 ? spliceIn(out, get().specs, into.src, into.port, into.dst, ids[0]) : out;
  });
}

export function moveTo(pos: Record<string, { x: number; y: number }>) {
  change((m) => moveNodes(m, pos));
}

export function wire(src: string, port: number, dst: string) {
  change((m) => connect(m, get().specs, src, port, dst));
}

export function unwire(edges: { src: string; port: number; dst: string }[]) {
  change((m) => edges.reduce((acc, e) => disconnect(acc, e.src, e.port, e.dst), m));
}

export function select(ids: string[]) {
  set({ selected: ids });
}

export function selectAll() {
  const s = get();
  set({ selected: nodesOn(model(), s.tab, s.specs).map((n) => n.id) });
}

export function deleteSelected() {
  const ids = get().selected;
  if (ids.length === 0) return;
  change((m) => removeNodes(m, ids));
  set({ selected: [] });
}

export function applyEdit(id: string, props: Record<string, unknown>) {
  const s = get();
  const n = model().nodes[id];
  const next = n && applyProps(n, props, s.specs[n.type]);
  // Done without a change is no change: no undo step, no changed mark
  if (n && JSON.stringify(next) !== JSON.stringify(n)) change((m) => (m.nodes[id] ? replaceNode(m, next) : m));
  const problems = { ...s.problems };
  delete problems[id];
  set({ editing: null, problems });
}

/** deleteNode removes one node (a config node from its sidebar). */
export function deleteNode(id: string) {
  change((m) => removeNodes(m, [id]));
  set({ selected: get().selected.filter((s) => s !== id) });
}

/** addConfigNode creates a config node of type with its defaults. */
export function addConfigNode(type: string): string | null {
  const spec = get().specs[type];
  if (!spec) return null;
  const id = newId();
  change((m) => addNodes(m, [newNode(spec, id, '', 0, 0)]));
  return id;
}

export function copy(cut = false): string {
  const s = get();
  if (s.selected.length === 0) return '';
  const text = exportText(exportNodes(model(), s.selected, s.specs));
  set({ clipboard: text });
  void navigator.clipboard?.writeText(text).catch(() => {});
  if (cut) deleteSelected();
  notify(`${cut ? 'Cut' : 'Copied'} ${s.selected.length} node${s.selected.length > 1 ? 's' : ''}`);
  return text;
}

/** paste imports Node-RED export text into the current tab. */
export function paste(text: string, dx = 20, dy = 20, keepIds = false): boolean {
  const s = get();
  try {
    const r = pasteNodes(model(), text, s.specs, { tab: s.tab, newId, dx, dy, keepIds });
    set({ history: push(s.history, r.model), selected: r.ids.filter((id) => r.model.nodes[id].z === s.tab) });
    if (r.tabs.length > 0) setTab(r.tabs[0]);
    notify(`Imported ${r.ids.length} node${r.ids.length === 1 ? '' : 's'}`);
    return true;
  } catch (e) {
    notify(`Import failed: ${(e as Error).message}`);
    return false;
  }
}

export function doUndo() {
  const h = get().history;
  if (canUndo(h)) set({ history: undo(h) });
}

export function doRedo() {
  const h = get().history;
  if (canRedo(h)) set({ history: redo(h) });
}

export async function injectNode(id: string, props?: unknown[]) {
  try {
    await api.inject(id, props);
    notify(`Injected: ${get().history.present.nodes[id]?.name || id}`);
  } catch (e) {
    notify(e instanceof ApiError && e.status === 404 ? 'Inject failed: node not deployed' : `Inject failed: ${(e as Error).message}`);
  }
}

/** toggleDebug switches a debug node on or off at once, deployed or not. */
export async function toggleDebug(id: string) {
  const s = get();
  const n = s.history.present.nodes[id];
  if (!n) return;
  const on = n.active === false;
  const setActive = (m: Model) => (m.nodes[id] ? updateNode(m, id, { active: on }) : m);
  const wasClean = s.history.present === s.deployed;
  const h = push(s.history, setActive(s.history.present));
  set({ history: h, deployed: wasClean ? h.present : setActive(s.deployed) });
  try {
    await api.setDebug(id, on);
  } catch {
    // not deployed yet: the flag goes with the next deploy
  }
}

/** showData opens the data tab on a topic (a store in node's "show
 * data"); "" opens it on every topic. */
export function showData(topic: string) {
  set({ sidebar: 'data', dataTopic: { topic, n: (get().dataTopic?.n ?? 0) + 1 } });
}

/** onComms takes a batch of /comms items. */
export function onComms(items: CommsItem[]) {
  const add: DebugEntry[] = [];
  let status: Record<string, NodeStatus> | null = null;
  const patch: Partial<State> = {};
  for (const it of items) {
    if (it.topic === 'debug') {
      const d = it.data as Partial<DebugEntry> & { msg?: unknown };
      if (typeof d?.id !== 'string') continue;
      add.push({
        key: ++debugKey,
        time: new Date(),
        id: d.id,
        z: d.z,
        name: d.name,
        topic: d.topic,
        property: d.property,
        msg: typeof d.msg === 'string' ? d.msg : JSON.stringify(d.msg),
        format: String(d.format ?? ''),
      });
    } else if (it.topic === 'notification/runtime-deploy') {
      const rev = (it.data as { revision?: unknown } | null)?.revision;
      const s = get();
      // as Node-RED: not before the flows are loaded, not during this
      // editor's own deploy, not for the revision it has
      if (typeof rev === 'string' && s.rev !== '' && !s.deploying && rev !== s.rev) patch.background = rev;
    } else if (it.topic.startsWith('status/')) {
      status ??= { ...get().status };
      const id = it.topic.slice('status/'.length);
      const st = it.data as NodeStatus | null;
      if (!st || (!st.text && !st.fill)) delete status[id];
      else status[id] = st;
    }
  }
  if (add.length > 0) patch.debug = [...get().debug, ...add].slice(-maxDebug);
  if (status) patch.status = status;
  set(patch);
}

export function setConnected(connected: boolean) {
  set({ connected });
}

export const actions = { set, get };
