import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportNodes, pasteNodes } from './clipboard';
import { nodeSize, toCanvas, viewOf } from './canvas';
import { fromFlows, labelOf, parseFlows, removeNodes, toFlows, type Model } from './flows';
import {
  connectPort,
  convertToSubflow,
  disconnectPort,
  envFields,
  instanceEnv,
  movePort,
  nextSubflowName,
  portCanvas,
  portId,
  removeSubflowIds,
  setInputs,
  setOutputs,
  setStatus,
  SubflowError,
  withSubflowSpecs,
} from './subflow';
import { counter, specs as base } from './testutil';
import type { NRNode } from './types';

const golden = readFileSync(join(__dirname, 'testdata', 'subflow_01.json'), 'utf8');
const load = () => fromFlows(parseFlows(golden));
const SF = '5b1f0c3a9e2d4a11';
const INST = 'b2c3d4e5f6071829';
const size = (n: NRNode) => nodeSize(labelOf(n, base), 1);

describe('a real Node-RED export with a subflow', () => {
  it('loads and saves every property of the definition and the instance unchanged', () => {
    const m = load();
    expect(JSON.stringify(toFlows(m), null, 4)).toBe(JSON.stringify(JSON.parse(golden), null, 4));
  });
  it('gives instances a spec from their definition', () => {
    const m = load();
    const specs = withSubflowSpecs(base, m);
    const s = specs['subflow:' + SF];
    expect(s).toMatchObject({ category: 'subflows', color: '#A6BBCF', inputs: 1, outputs: 1, paletteLabel: 'Scale', icon: 'font-awesome/fa-calculator' });
    const v = viewOf(m.nodes[INST], specs);
    expect(v).toMatchObject({ label: 'Scale', inputs: 1, outputs: 1, unknown: false });
    expect(withSubflowSpecs(base, fromFlows([]))).toBe(base);
  });
  it('draws the template on the subflow tab with its ports and their wires', () => {
    const m = load();
    const specs = withSubflowSpecs(base, m);
    expect(toCanvas(m, SF, specs).nodes.map((n) => n.id).sort()).toEqual(['7c2d9e0f1a3b4c22', '9d3e0f1a2b4c5d33']);
    const p = portCanvas(m, SF);
    expect(p.nodes.map((n) => [n.id, n.data.kind, n.position])).toEqual([
      [portId(SF, 'in', 0), 'in', { x: 40, y: 60 }],
      [portId(SF, 'out', 0), 'out', { x: 380, y: 60 }],
      [portId(SF, 'status'), 'status', { x: 380, y: 120 }],
    ]);
    expect(p.edges.map((e) => [e.source, e.sourceHandle, e.target])).toEqual([
      [portId(SF, 'in', 0), 'o0', '7c2d9e0f1a3b4c22'],
      ['7c2d9e0f1a3b4c22', 'o0', portId(SF, 'out', 0)],
      ['9d3e0f1a2b4c5d33', 'o0', portId(SF, 'status')],
    ]);
  });
  it('copies a subflow instance with its definition and template', () => {
    const m = load();
    const specs = withSubflowSpecs(base, m);
    const out = exportNodes(m, [SF, INST], specs).map((n) => n.id);
    expect(out).toEqual([SF, '7c2d9e0f1a3b4c22', '9d3e0f1a2b4c5d33', INST]);
    const r = pasteNodes(m, JSON.stringify(exportNodes(m, [SF, INST], specs)), specs, { tab: 'f1a2b3c4d5e6f701', newId: counter('p') });
    const inst = r.ids.map((id) => r.model.nodes[id]).find((n) => n.type.startsWith('subflow:'))!;
    const def = r.ids.map((id) => r.model.nodes[id]).find((n) => n.type === 'subflow')!;
    expect(inst.type).toBe('subflow:' + def.id);
  });
});

describe('editing a template', () => {
  it('moves, wires and unwires ports', () => {
    let m = load();
    m = movePort(m, portId(SF, 'out', 0), 420, 100);
    expect((m.nodes[SF].out as { x: number }[])[0]).toMatchObject({ x: 420, y: 100 });
    m = disconnectPort(m, portId(SF, 'in', 0), 0, '7c2d9e0f1a3b4c22');
    m = disconnectPort(m, '7c2d9e0f1a3b4c22', 0, portId(SF, 'out', 0));
    expect(m.nodes[SF].in).toEqual([{ x: 60, y: 80, wires: [] }]);
    expect((m.nodes[SF].out as { wires: unknown[] }[])[0].wires).toEqual([]);
    m = connectPort(m, portId(SF, 'in', 0), 0, '9d3e0f1a2b4c5d33');
    m = connectPort(m, '9d3e0f1a2b4c5d33', 0, portId(SF, 'out', 0));
    m = connectPort(m, '9d3e0f1a2b4c5d33', 0, portId(SF, 'out', 0));
    expect((m.nodes[SF].in as { wires: unknown[] }[])[0].wires).toEqual([{ id: '9d3e0f1a2b4c5d33' }]);
    expect((m.nodes[SF].out as { wires: unknown[] }[])[0].wires).toEqual([{ id: '9d3e0f1a2b4c5d33', port: 0 }]);
  });
  it('refuses a port wire to a node of another tab', () => {
    const m = load();
    expect(connectPort(m, portId(SF, 'in', 0), 0, 'c3d4e5f60718293a')).toBe(m);
  });
  it('adds and removes outputs, on the instances too', () => {
    let m = load();
    m = setOutputs(m, SF, 3);
    expect((m.nodes[SF].out as unknown[]).length).toBe(3);
    expect(m.nodes[INST].wires).toEqual([['c3d4e5f60718293a'], [], []]);
    expect(withSubflowSpecs(base, m)['subflow:' + SF].outputs).toBe(3);
    m = setOutputs(m, SF, 0);
    expect(m.nodes[SF].out).toEqual([]);
    expect(m.nodes[INST].wires).toEqual([]);
  });
  it('removes the input and the wires to the instances', () => {
    const m = setInputs(load(), SF, 0);
    expect(m.nodes[SF].in).toEqual([]);
    expect(m.nodes['a1b2c3d4e5f60718'].wires).toEqual([[]]);
    expect(withSubflowSpecs(base, m)['subflow:' + SF].inputs).toBe(0);
  });
  it('toggles the status port', () => {
    let m = setStatus(load(), SF, false);
    expect('status' in m.nodes[SF]).toBe(false);
    m = setStatus(m, SF, true);
    expect(m.nodes[SF].status).toEqual({ x: 400, y: 120, wires: [] });
  });
  it('deletes a definition with its template and instances', () => {
    const m = load();
    const left = removeNodes(m, removeSubflowIds(m, SF));
    expect(left.order).toEqual(['f1a2b3c4d5e6f701', 'a1b2c3d4e5f60718', 'c3d4e5f60718293a']);
    expect(left.nodes['a1b2c3d4e5f60718'].wires).toEqual([[]]);
  });
  it('names new subflows as Node-RED', () => {
    expect(nextSubflowName(fromFlows([{ id: 'a', type: 'subflow', name: 'Subflow 4' }]))).toBe('Subflow 5');
    expect(nextSubflowName(load())).toBe('Subflow 1');
  });
});

describe('the instance form from env UI hints', () => {
  it('shows every entry with the instance override or the default', () => {
    const m = load();
    const f = envFields(m.nodes[SF], m.nodes[INST]);
    expect(f.map((x) => [x.name, x.label, x.ui.type, x.type, x.value])).toEqual([
      ['FACTOR', 'Factor', 'spinner', 'num', '3'],
      ['UNIT', 'UNIT', 'select', 'str', 'm'],
      ['LABEL', 'LABEL', 'input', 'str', 'scaled'],
    ]);
    expect(f[2].ui.opts?.types).toEqual(['str', 'num', 'bool', 'json', 'bin', 'env']);
  });
  it('stores only what differs from the definition', () => {
    const m = load();
    const def = m.nodes[SF];
    const prev = m.nodes[INST].env as never[];
    expect(instanceEnv(def, prev, {})).toEqual([{ name: 'FACTOR', value: '3', type: 'num' }]);
    expect(instanceEnv(def, prev, { FACTOR: { type: 'num', value: '2' }, UNIT: { type: 'str', value: 'ft' }, LABEL: { type: 'json', value: '{"a":1}' } })).toEqual([
      { name: 'UNIT', value: 'ft', type: 'str' },
      { name: 'LABEL', value: '{"a":1}', type: 'json' },
    ]);
  });
  it('keeps checkbox values as Node-RED writes them and hides hidden entries', () => {
    const def: NRNode = {
      id: 's',
      type: 'subflow',
      env: [
        { name: 'ON', type: 'bool', value: 'false', ui: { type: 'checkbox' } },
        { name: 'SECRET', type: 'str', value: 'x', ui: { type: 'hide' } },
      ],
    };
    expect(envFields(def, {}).map((f) => f.name)).toEqual(['ON']);
    expect(instanceEnv(def, [], { ON: { type: 'bool', value: 'true' } })).toEqual([{ name: 'ON', value: 'true', type: 'bool' }]);
  });
});

describe('selection to subflow', () => {
  // inject → a → b → debug1, b → debug2 (same port), c (port 1) → debug3
  const flow = (): Model =>
    fromFlows([
      { id: 't', type: 'tab', label: 'Flow 1' },
      { id: 'inj', type: 'inject', z: 't', x: 100, y: 100, wires: [['a']] },
      { id: 'a', type: 'change', z: 't', name: 'A', x: 300, y: 100, wires: [['b']] },
      { id: 'b', type: 'switch', z: 't', x: 500, y: 100, wires: [['d1', 'd2'], ['d3']] },
      { id: 'd1', type: 'debug', z: 't', x: 700, y: 60, wires: [] },
      { id: 'd2', type: 'debug', z: 't', x: 700, y: 100, wires: [] },
      { id: 'd3', type: 'debug', z: 't', x: 700, y: 160, wires: [] },
    ]);
  it('moves the nodes into a definition whose ports replace the crossing wires', () => {
    const m = flow();
    const r = convertToSubflow(m, ['a', 'b'], base, counter('n'), size);
    expect(r.subflow).toBe('n1');
    expect(r.instance).toBe('n2');
    const def = r.model.nodes.n1;
    expect(def).toMatchObject({ type: 'subflow', name: 'Subflow 1', env: [], color: '#DDAA99' });
    expect((def.in as { wires: unknown }[]).map((p) => p.wires)).toEqual([[{ id: 'a' }]]);
    expect((def.out as { wires: unknown }[]).map((p) => p.wires)).toEqual([[{ id: 'b', port: 0 }], [{ id: 'b', port: 1 }]]);
    expect(r.model.nodes.a).toMatchObject({ z: 'n1', name: 'A', wires: [['b']] });
    expect(r.model.nodes.b).toMatchObject({ z: 'n1', wires: [[], []] });
    expect(r.model.nodes.inj.wires).toEqual([['n2']]);
    expect(r.model.nodes.n2).toMatchObject({ type: 'subflow:n1', z: 't', x: 400, y: 100, wires: [['d1', 'd2'], ['d3']] });
    // the definition comes before the nodes in the flows order
    expect(r.model.order.slice(0, 2)).toEqual(['t', 'n1']);
    // template positions are offset from the selection's box
    expect(Number(r.model.nodes.a.x)).toBeGreaterThan(Number((def.in as { x: number }[])[0].x));
  });
  it('makes a subflow without outputs of a selection wired only into', () => {
    const r = convertToSubflow(flow(), ['d3'], base, counter('n'), size);
    expect(r.model.nodes.n1).toMatchObject({ in: [{ wires: [{ id: 'd3' }] }], out: [] });
    expect(r.model.nodes.b.wires).toEqual([['d1', 'd2'], ['n2']]);
  });
  it('refuses wires entering the selection at two nodes', () => {
    const m = fromFlows([
      { id: 't', type: 'tab' },
      { id: 'i1', type: 'inject', z: 't', x: 0, y: 0, wires: [['a']] },
      { id: 'i2', type: 'inject', z: 't', x: 0, y: 0, wires: [['b']] },
      { id: 'a', type: 'debug', z: 't', x: 0, y: 0, wires: [] },
      { id: 'b', type: 'debug', z: 't', x: 0, y: 0, wires: [] },
    ]);
    expect(() => convertToSubflow(m, ['a', 'b'], base, counter(), size)).toThrow(SubflowError);
    expect(() => convertToSubflow(m, [], base, counter(), size)).toThrow('no nodes selected');
  });
  it('keeps the instance in the group the selection was in', () => {
    const m = fromFlows([
      { id: 't', type: 'tab' },
      { id: 'g', type: 'group', z: 't', nodes: ['a', 'b'] },
      { id: 'a', type: 'debug', z: 't', g: 'g', x: 0, y: 0, wires: [] },
      { id: 'b', type: 'debug', z: 't', g: 'g', x: 0, y: 0, wires: [] },
    ]);
    const r = convertToSubflow(m, ['a'], base, counter('n'), size);
    expect(r.model.nodes.g.nodes).toEqual(['b', 'n2']);
    expect(r.model.nodes.n2.g).toBe('g');
    expect('g' in r.model.nodes.a).toBe(false);
  });
});
