import { describe, expect, it } from 'vitest';
import { exportNodes, exportText, pasteNodes } from './clipboard';
import { fromFlows, parseFlows, toFlows } from './flows';
import { counter, exports, specs } from './testutil';
import type { NRNode } from './types';

const base: NRNode[] = [
  { id: 't', type: 'tab', label: 'T' },
  { id: 'cfg', type: 'mqtt-broker', broker: 'localhost' },
  { id: 'i', type: 'inject', z: 't', name: 'go', x: 100, y: 100, wires: [['c', 'd']] },
  { id: 'c', type: 'change', z: 't', rules: [], x: 300, y: 100, wires: [['d']] },
  { id: 'd', type: 'debug', z: 't', x: 500, y: 100, wires: [] },
  { id: 'm', type: 'mqtt out', z: 't', broker: 'cfg', x: 500, y: 200, wires: [] },
  { id: 'lo', type: 'link out', z: 't', links: ['li'], x: 100, y: 300, wires: [] },
  { id: 'li', type: 'link in', z: 't', links: ['lo'], x: 300, y: 300, wires: [[]] },
];
const m = fromFlows(base);

describe('exportNodes', () => {
  it('keeps only wires between exported nodes', () => {
    const out = exportNodes(m, ['i', 'c'], specs);
    expect(out.map((n) => n.id)).toEqual(['i', 'c']);
    expect(out[0].wires).toEqual([['c']]);
    expect(out[1].wires).toEqual([[]]);
    expect(m.nodes.i.wires).toEqual([['c', 'd']]); // the model is untouched
  });
  it('brings the config nodes a node uses', () => {
    expect(exportNodes(m, ['m'], specs).map((n) => n.id)).toEqual(['cfg', 'm']);
  });
  it('a tab brings all its nodes', () => {
    expect(exportNodes(m, ['t'], specs).map((n) => n.id)).toEqual(['t', 'cfg', 'i', 'c', 'd', 'm', 'lo', 'li']);
  });
  it('exportText is compact or formatted', () => {
    const n = [{ id: 'a', type: 'x' }];
    expect(exportText(n)).toBe('[{"id":"a","type":"x"}]');
    expect(exportText(n, true)).toBe('[\n    {\n        "id": "a",\n        "type": "x"\n    }\n]');
  });
});

describe('pasteNodes', () => {
  it('gives new ids and remaps wires, links and config references', () => {
    const text = exportText(exportNodes(m, ['i', 'c', 'm', 'lo', 'li'], specs));
    const r = pasteNodes(fromFlows(base.slice(0, 1)), text, specs, { tab: 't', newId: counter(), dx: 20, dy: 40 });
    const out = toFlows(r.model);
    expect(out.map((n) => n.id)).toEqual(['t', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    const [, cfg, i, c, mq, lo, li] = out;
    expect(cfg).toEqual({ id: 'n1', type: 'mqtt-broker', broker: 'localhost' });
    expect(i).toMatchObject({ z: 't', x: 120, y: 140, wires: [['n3']] });
    expect(c.wires).toEqual([[]]);
    expect(mq.broker).toBe('n1');
    expect(lo.links).toEqual(['n6']);
    expect(li.links).toEqual(['n5']);
    expect(r.ids).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  });
  it('pasting into the same flow twice never clashes and reuses an existing config node', () => {
    const text = exportText(exportNodes(m, ['m'], specs));
    const r1 = pasteNodes(m, text, specs, { tab: 't', newId: counter('a') });
    const r2 = pasteNodes(r1.model, text, specs, { tab: 't', newId: counter('b') });
    expect(r2.ids).toEqual(['b1']);
    expect(r2.model.nodes.b1.broker).toBe('cfg');
    expect(r2.model.order.length).toBe(base.length + 2);
  });
  it('an import keeps ids except those that clash', () => {
    const text = exportText(exportNodes(m, ['i', 'c'], specs).map((n) => (n.id === 'c' ? { ...n, id: 'fresh' } : n)));
    const r = pasteNodes(m, text, specs, { tab: 't', newId: counter(), keepIds: true });
    expect(r.ids).toEqual(['n1', 'fresh']);
  });
  it('a pasted tab gets a new id and keeps its nodes', () => {
    const text = exportText(exportNodes(m, ['t'], specs));
    const r = pasteNodes(m, text, specs, { tab: 'other', newId: counter() });
    expect(r.tabs).toEqual(['n1']);
    const pasted = toFlows(r.model).filter((n) => r.ids.includes(n.id) && n.type !== 'tab' && n.x !== undefined);
    expect(pasted.every((n) => n.z === 'n1')).toBe(true);
    expect(pasted.length).toBe(6);
  });
  it('pastes a single node object and rejects what is not a flow', () => {
    const r = pasteNodes(m, '{"id":"x","type":"debug","x":1,"y":2,"wires":[]}', specs, { tab: 't', newId: counter() });
    expect(r.model.nodes.n1).toMatchObject({ type: 'debug', z: 't' });
    expect(() => pasteNodes(m, 'nope', specs, { tab: 't', newId: counter() })).toThrow(/not JSON/);
    expect(() => pasteNodes(m, '[{"type":"x"}]', specs, { tab: 't', newId: counter() })).toThrow(/no id/);
  });
  for (const [name, text] of exports) {
    it(`import of ${name} keeping ids, then export of all, is byte for byte the original`, () => {
      const src = parseFlows(text);
      if (!src.some((n) => n.type === 'tab')) return; // a selection without its tab is imported into the current tab
      const r = pasteNodes(fromFlows([]), text, specs, { tab: 'z0', newId: counter('p'), keepIds: true });
      // Nodes of a tab the export lacks (orphans) land in the current tab.
      const zs = new Set(src.filter((n) => n.type === 'tab' || n.type === 'subflow').map((n) => n.id));
      const want = src.map((n) => (n.z !== undefined && !zs.has(n.z) ? { ...n, z: 'z0' } : n));
      expect(JSON.stringify(toFlows(r.model))).toBe(JSON.stringify(want));
    });
    it(`round trip of ${name}: paste then export equals the original but for ids`, () => {
      const src = parseFlows(text);
      const r = pasteNodes(fromFlows([]), text, specs, { tab: 'z0', newId: counter('p') });
      const back = exportNodes(r.model, r.ids, specs);
      const ids = new Map(src.map((n, k) => [n.id, back[k]?.id]));
      const unmap = (v: unknown): unknown =>
        typeof v === 'string'
          ? v.startsWith('subflow:')
            ? 'subflow:' + String(unmap(v.slice(8)))
            : ([...ids].find(([, b]) => b === v)?.[0] ?? v)
          : Array.isArray(v)
            ? v.map(unmap)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmap(x)]))
              : v;
      const restored = back.map((n) => Object.fromEntries(Object.entries(n).map(([k, v]) => [k, k === 'z' ? v : unmap(v)])));
      const zs = new Map(src.map((n, k) => [back[k]?.z, n.z]));
      for (const n of restored) if (n.z !== undefined) n.z = zs.get(n.z as string);
      expect(restored).toEqual(src);
    });
  }
});
