// Wiring rules: how many ports a node has and which wires may be drawn.

import type { Model } from './flows';
import { replaceNode } from './flows';
import type { NRNode, Spec, Specs } from './types';

/** outputCount is the number of output ports of n: the spec's fixed count,
 * or derived from a property (a number, or a list's length) when the spec
 * says outputsFrom. Unknown types keep the ports their wires show. */
export function outputCount(n: NRNode, spec: Spec | undefined): number {
  if (!spec) return Array.isArray(n.wires) ? n.wires.length : 0;
  if (spec.config) return 0;
  if (spec.outputsFrom) {
    const v = n[spec.outputsFrom];
    if (Array.isArray(v)) return v.length;
    const k = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isInteger(k) && k >= 0) return k;
  }
  return spec.outputs;
}

/** inputCount is 0 or 1; unknown types get an input so their wires show. */
export function inputCount(n: NRNode, spec: Spec | undefined): number {
  if (!spec) return n.type === 'tab' || n.type === 'group' ? 0 : 1;
  return spec.config ? 0 : spec.inputs > 0 ? 1 : 0;
}

/** fitWires returns n with one wires entry per output port: extra ports
 * (and their wires) dropped, missing ones added empty. */
export function fitWires(n: NRNode, count: number): NRNode {
  const w = Array.isArray(n.wires) ? n.wires : [];
  if (w.length === count) return n;
  const wires = Array.from({ length: count }, (_, i) => w[i] ?? []);
  return { ...n, wires };
}

export type Check = { ok: true } | { ok: false; reason: string };

/** canConnect checks a wire from output port of src to dst. */
export function canConnect(m: Model, specs: Specs, src: string, port: number, dst: string): Check {
  const a = m.nodes[src];
  const b = m.nodes[dst];
  if (!a || !b) return { ok: false, reason: 'no such node' };
  if (src === dst) return { ok: false, reason: 'a node cannot be wired to itself' };
  if (a.z !== b.z) return { ok: false, reason: 'nodes are on different tabs' };
  if (!Number.isInteger(port) || port < 0 || port >= outputCount(a, specs[a.type])) {
    return { ok: false, reason: `node has no output ${port + 1}` };
  }
  if (inputCount(b, specs[b.type]) === 0) return { ok: false, reason: 'node has no input' };
  if (a.wires?.[port]?.includes(dst)) return { ok: false, reason: 'already wired' };
  return { ok: true };
}

/** connect adds a wire, or returns m unchanged when canConnect refuses. */
export function connect(m: Model, specs: Specs, src: string, port: number, dst: string): Model {
  if (!canConnect(m, specs, src, port, dst).ok) return m;
  const a = fitWires(m.nodes[src], Math.max(outputCount(m.nodes[src], specs[m.nodes[src].type]), port + 1));
  const wires = a.wires!.map((p, i) => (i === port ? [...p, dst] : p));
  return replaceNode(m, { ...a, wires });
}

/** disconnect removes a wire. */
export function disconnect(m: Model, src: string, port: number, dst: string): Model {
  const a = m.nodes[src];
  if (!a?.wires?.[port]?.includes(dst)) return m;
  const wires = a.wires.map((p, i) => (i === port ? p.filter((t) => t !== dst) : p));
  return replaceNode(m, { ...a, wires });
}

/** applyProps sets the properties of an edited node and keeps its ports in
 * step: a node whose outputs follow a list (switch rules) also gets its
 * "outputs" property set, and wires of removed ports are dropped. */
export function applyProps(n: NRNode, props: Record<string, unknown>, spec: Spec | undefined): NRNode {
  let out: NRNode = { ...n, ...props, id: n.id, type: n.type };
  if (!spec || spec.config) return out;
  if (spec.outputsFrom && Array.isArray(out[spec.outputsFrom]) && spec.props.some((p) => p.name === 'outputs')) {
    out.outputs = (out[spec.outputsFrom] as unknown[]).length;
  }
  out = fitWires(out, outputCount(out, spec));
  return out;
}

/** isUnwired says whether no wire leads to or from node id. */
function isUnwired(m: Model, id: string): boolean {
  const n = m.nodes[id];
  if (n?.wires?.some((p) => p.length > 0)) return false;
  return !Object.values(m.nodes).some((o) => o.wires?.some((p) => p.includes(id)));
}

/** spliceIn puts node id into the wire src:port → dst, as Node-RED does
 * when a node is dropped on a wire: src:port → id → dst. Only a node with
 * an input and an output and no wires yet is spliced; otherwise m is
 * returned unchanged. */
export function spliceIn(m: Model, specs: Specs, src: string, port: number, dst: string, id: string): Model {
  const n = m.nodes[id];
  if (!n || id === src || id === dst || !m.nodes[src]?.wires?.[port]?.includes(dst)) return m;
  const spec = specs[n.type];
  if (inputCount(n, spec) === 0 || outputCount(n, spec) === 0 || !isUnwired(m, id)) return m;
  if (!canConnect(m, specs, src, port, id).ok) return m;
  const out = connect(connect(disconnect(m, src, port, dst), specs, src, port, id), specs, id, 0, dst);
  return out.nodes[id].wires?.[0]?.includes(dst) ? out : m;
}
