// Subflow actions of the editor: the instance specs kept in step with the
// definitions, the open subflow tabs, template port edits, and Node-RED's
// "Create Subflow" / "Selection to Subflow".

import { create } from 'zustand';
import { nodeSize } from './model/canvas';
import { addNodes, labelOf, removeNodes, type Model } from './model/flows';
import { newId } from './model/ids';
import {
  connectPort,
  convertToSubflow,
  disconnectPort,
  movePort,
  newSubflow,
  removeSubflowIds,
  subflowPrefix,
  withSubflowSpecs,
} from './model/subflow';
import { outputCount } from './model/wiring';
import type { Specs } from './model/types';
import { actions, change, model, setTab, useStore } from './store';

/** The subflow tabs open beside the flow tabs, in the order opened. */
export const useSubflowTabs = create<{ open: string[] }>(() => ({ open: [] }));

/** watchSubflowSpecs keeps the store's specs holding one spec per subflow
 * definition ("subflow:<id>"), so that the palette, the canvas and the
 * wiring rules treat instances like any node type. It returns the
 * unsubscribe function. */
export function watchSubflowSpecs(): () => void {
  let lastModel: Model | null = null;
  let lastKey = '';
  const sync = () => {
    const s = actions.get();
    const m = s.history.present;
    if (m === lastModel) return;
    lastModel = m;
    const base: Specs = {};
    for (const [k, v] of Object.entries(s.specs)) if (!k.startsWith(subflowPrefix)) base[k] = v;
    const next = withSubflowSpecs(base, m);
    const key = JSON.stringify(Object.values(next).filter((x) => x.type.startsWith(subflowPrefix)));
    const had = Object.keys(s.specs).some((k) => k.startsWith(subflowPrefix));
    if (key === lastKey && (had || key === '[]')) return;
    lastKey = key;
    const specList = [...s.specList.filter((x) => !x.type.startsWith(subflowPrefix)), ...Object.values(next).filter((x) => x.type.startsWith(subflowPrefix))];
    actions.set({ specs: next, specList });
    // A closed or deleted definition loses its tab.
    const open = useSubflowTabs.getState().open.filter((id) => m.nodes[id]?.type === 'subflow');
    if (open.length !== useSubflowTabs.getState().open.length) useSubflowTabs.setState({ open });
    if (s.tab && !m.nodes[s.tab]) setTab(Object.values(m.nodes).find((n) => n.type === 'tab')?.id ?? '');
  };
  sync();
  return useStore.subscribe(sync);
}

/** openSubflow shows the template of definition id on its own tab. */
export function openSubflow(id: string) {
  if (model().nodes[id]?.type !== 'subflow') return;
  const { open } = useSubflowTabs.getState();
  if (!open.includes(id)) useSubflowTabs.setState({ open: [...open, id] });
  setTab(id);
}

export function closeSubflow(id: string) {
  const open = useSubflowTabs.getState().open.filter((x) => x !== id);
  useSubflowTabs.setState({ open });
  if (actions.get().tab === id) setTab(Object.values(model().nodes).find((n) => n.type === 'tab')?.id ?? '');
}

/** createSubflow adds an empty definition (one input, one output) and opens it. */
export function createSubflow() {
  const id = newId();
  change((m) => addNodes(m, [newSubflow(m, id)]));
  openSubflow(id);
}

/** selectionToSubflow replaces the selected nodes by an instance of a new
 * subflow holding them; it returns the error text Node-RED would show. */
export function selectionToSubflow(): string {
  const s = actions.get();
  try {
    const specs = s.specs;
    const size = (n: Parameters<typeof labelOf>[0]) => nodeSize(labelOf(n, specs), outputCount(n, specs[n.type]));
    const r = convertToSubflow(model(), s.selected, specs, newId, size);
    change(() => r.model);
    actions.set({ selected: [r.instance] });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** deleteSubflow removes a definition, its template and all its instances. */
export function deleteSubflow(id: string) {
  change((m) => removeNodes(m, removeSubflowIds(m, id)));
  closeSubflow(id);
}

export function portMoved(id: string, x: number, y: number) {
  change((m) => movePort(m, id, x, y));
}

export function portWire(src: string, port: number, dst: string) {
  change((m) => connectPort(m, src, port, dst));
}

export function portUnwire(edges: { src: string; port: number; dst: string }[]) {
  change((m) => edges.reduce((acc, e) => disconnectPort(acc, e.src, e.port, e.dst), m));
}
