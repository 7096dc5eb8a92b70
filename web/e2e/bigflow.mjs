// bigFlow makes a Node-RED flow of n canvas nodes on one tab for the
// editor benchmark: rows of ten nodes wired as a chain
//
//   inject → change → switch → template → json → junction → delay → link out ⇢ link in → debug
//
// (the link pair joined by a virtual wire), every ten rows in a group.
// Every node gets its spec's defaults, so the flow deploys as it is.
//
//   node e2e/bigflow.mjs [n] > flows.json   (specs from src/model/testdata)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const row = ['inject', 'change', 'switch', 'template', 'json', 'junction', 'delay', 'link out', 'link in', 'debug'];
const dx = 160;
const dy = 60;

/** bigFlow returns the flows array: a tab, groups and n nodes. specs is a
 * GET /nodes answer. */
export function bigFlow(specs, n = 1000) {
  const byType = Object.fromEntries(specs.map((s) => [s.type, s]));
  const tab = 'big.tab';
  const flows = [{ id: tab, type: 'tab', label: `${n} nodes`, disabled: false, info: '', env: [] }];
  const groups = [];
  const rows = Math.ceil(n / row.length);
  for (let r = 0; r < rows; r++) {
    const g = `big.g${Math.floor(r / 10)}`;
    if (r % 10 === 0) {
      const last = Math.min(rows, r + 10) - 1;
      groups.push({
        id: g,
        type: 'group',
        z: tab,
        name: `rows ${r + 1}–${last + 1}`,
        style: { label: true, stroke: '#999999', fill: r % 20 === 0 ? '#e3f3d3' : '#ffefbf', 'fill-opacity': '0.5' },
        nodes: [],
        x: 34,
        y: 20 + r * dy,
        w: row.length * dx + 12,
        h: (last - r + 1) * dy + 22,
      });
    }
    const group = groups[groups.length - 1];
    for (let c = 0; c < row.length; c++) {
      const i = r * row.length + c;
      if (i >= n) break;
      const type = row[c];
      const id = `big.${r}.${c}`;
      const node = { id, type, z: tab, g: g };
      for (const p of byType[type]?.props ?? []) node[p.name] = structuredClone(p.default ?? '');
      if (type === 'inject') node.name = `row ${r + 1}`;
      if (type === 'debug') node.active = false;
      if (type === 'link out') node.links = [`big.${r}.${c + 1}`];
      if (type === 'link in') node.links = [`big.${r}.${c - 1}`];
      node.x = 110 + c * dx;
      node.y = 50 + r * dy;
      const next = `big.${r}.${c + 1}`;
      const hasOut = type !== 'link out' && type !== 'debug';
      node.wires = hasOut ? [i + 1 < n ? [next] : []] : [];
      if (type === 'link out' || type === 'link in') {
        // the other end may have been cut off by n
        node.links = node.links.filter((l) => Number(l.split('.')[2]) + r * row.length < n);
      }
      group.nodes.push(id);
      flows.push(node);
    }
  }
  return [...flows, ...groups];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const specs = JSON.parse(readFileSync(join(fileURLToPath(import.meta.url), '../../src/model/testdata/specs.json'), 'utf8'));
  process.stdout.write(JSON.stringify(bigFlow(specs, Number(process.argv[2] ?? 1000))) + '\n');
}
