// The admin API of Flowgate (Node-RED's, API version v2).

import type { NRNode, Problem, Spec } from './model/types';

export type DeployMode = 'full' | 'flows' | 'nodes';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

async function call(path: string, init?: RequestInit): Promise<Response> {
  const r = await fetch(path, init);
  if (r.ok) return r;
  let body: { code?: string; message?: string; problems?: Problem[] } = {};
  try {
    body = await r.json();
  } catch {
    // a plain text answer
  }
  throw new ApiError(r.status, body.code ?? String(r.status), body.message ?? r.statusText, body.problems ?? []);
}

const v2 = { 'Node-RED-API-Version': 'v2' };

export async function getNodes(): Promise<Spec[]> {
  return (await call('nodes', { headers: { Accept: 'application/json' } })).json();
}

export async function getFlows(): Promise<{ flows: NRNode[]; rev: string }> {
  return (await call('flows', { headers: v2 })).json();
}

/** deploy posts the whole configuration with the rev it is based on and
 * answers the new rev. 400 (problems) and 409 (stale rev) throw ApiError. */
export async function deploy(flows: NRNode[], rev: string, mode: DeployMode): Promise<string> {
  const r = await call('flows', {
    method: 'POST',
    headers: { ...v2, 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': mode },
    body: JSON.stringify({ flows, rev }),
  });
  return ((await r.json()) as { rev: string }).rev;
}

/** inject fires an inject node; with props, a message of those properties
 * instead of the deployed ones (Node-RED's "inject now" in the form). */
export async function inject(id: string, props?: unknown[]): Promise<void> {
  const init: RequestInit = { method: 'POST' };
  if (props) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify({ __user_inject_props__: props });
  }
  await call(`inject/${encodeURIComponent(id)}`, init);
}

export async function setDebug(id: string, on: boolean): Promise<void> {
  await call(`debug/${encodeURIComponent(id)}/${on ? 'enable' : 'disable'}`, { method: 'POST' });
}
