import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NRNode, Spec, Specs } from './types';

const dir = join(__dirname, 'testdata');

/** specs is a real GET /api/specs answer of Flowgate (written from the registry by go test ./nodes/ -run TestEditorSpecs -update). */
export const specs: Specs = Object.fromEntries(
  (JSON.parse(readFileSync(join(dir, 'specs.json'), 'utf8')) as Spec[]).map((s) => [s.type, s]),
);

/** exports are real Node-RED flow exports: [file name, text]. */
export const exports: [string, string][] = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'specs.json')
  .map((f) => [f, readFileSync(join(dir, f), 'utf8')]);

export function counter(prefix = 'n'): () => string {
  let i = 0;
  return () => `${prefix}${++i}`;
}

export const node = (o: Partial<NRNode> & { id: string; type: string }): NRNode => ({ ...o });
