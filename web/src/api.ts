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

// The bearer token of adminAuth, kept across reloads as Node-RED's editor
// keeps its "auth-tokens".
const tokenKey = 'flowgate-auth-token';

export function authToken(): string {
  try {
    return localStorage.getItem(tokenKey) ?? '';
  } catch {
    return '';
  }
}

function setAuthToken(t: string) {
  try {
    if (t) localStorage.setItem(tokenKey, t);
    else localStorage.removeItem(tokenKey);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

let unauthorized: () => void = () => {};

/** onUnauthorized sets what happens when a call is refused with 401 (the
 * login screen). */
export function onUnauthorized(f: () => void) {
  unauthorized = f;
}

async function call(path: string, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  const token = authToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const r = await fetch(path, { ...init, headers });
  if (r.ok) return r;
  if (r.status === 401) unauthorized();
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
  return (await call('api/specs')).json();
}

export async function getFlows(): Promise<{ flows: NRNode[]; rev: string }> {
  return (await call('flows', { headers: v2 })).json();
}

/** deploy posts the whole configuration with the rev it is based on and
 * answers the new rev with the warnings of the deploy (node property
 * problems the nodes report when they start or run). 400 (problems) and
 * 409 (stale rev) throw ApiError. */
export async function deploy(flows: NRNode[], rev: string, mode: DeployMode): Promise<{ rev: string; warnings: Problem[] }> {
  const r = await call('flows', {
    method: 'POST',
    headers: { ...v2, 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': mode },
    body: JSON.stringify({ flows, rev }),
  });
  const body = (await r.json()) as { rev: string; warnings?: Problem[] };
  return { rev: body.rev, warnings: body.warnings ?? [] };
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

export interface LoginPrompt {
  id: string;
  type: string;
  label: string;
}

/** getLogin answers how to log in: {type: "credentials", prompts} when
 * adminAuth is on, {} when it is off. */
export async function getLogin(): Promise<{ type?: string; prompts?: LoginPrompt[] }> {
  return (await fetch('auth/login')).json();
}

/** login exchanges a user name and password for a token (the password
 * grant Node-RED's editor sends) and keeps it. */
export async function login(username: string, password: string): Promise<void> {
  const body = new URLSearchParams({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username, password });
  const r = await fetch('auth/token', { method: 'POST', body });
  if (!r.ok) {
    const e = (await r.json().catch(() => ({}))) as { error_description?: string };
    throw new ApiError(r.status, String(r.status), e.error_description ?? 'Login failed');
  }
  setAuthToken(((await r.json()) as { access_token: string }).access_token);
}

/** logout revokes the token and forgets it. */
export async function logout(): Promise<void> {
  const token = authToken();
  setAuthToken('');
  if (token) {
    await fetch('auth/revoke', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: new URLSearchParams({ token }),
    }).catch(() => {});
  }
}

/** forgetToken drops a token the server refused. */
export function forgetToken() {
  setAuthToken('');
}
