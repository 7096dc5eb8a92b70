// /api/hw: the board's pins and the simulator's I2C devices. Its answers
// are {"error": text} on failure, and a 401 here is not the editor's login
// (the route may sit behind httpNodeAuth), so it does not go through
// api.ts's call, only sends the same token.

import { authToken } from './api';
import type { HWAnswer } from './model/hw';

export class HWError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function hwCall(path: string, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  const token = authToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const r = await fetch(path, { ...init, headers });
  if (r.ok) return r;
  const body = (await r.json().catch(() => ({}))) as { error?: string; message?: string };
  throw new HWError(r.status, body.error ?? body.message ?? r.statusText);
}

/** getHW answers the board, or null when the server has no hardware
 * (--hw off, or a build without /api/hw: 404). */
export async function getHW(): Promise<HWAnswer | null> {
  try {
    return (await (await hwCall('api/hw', { headers: { Accept: 'application/json' } })).json()) as HWAnswer;
  } catch (e) {
    if (e instanceof HWError && e.status === 404) return null;
    throw e;
  }
}

const put = (path: string, body: unknown) =>
  hwCall(path, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** setPin sets a simulated input pin as a button would. */
export async function setPin(bcm: number, level: 0 | 1): Promise<void> {
  await put(`api/hw/pins/${bcm}`, { level });
}

/** setExpander sets the input levels of a simulated PCF8574. */
export async function setExpander(bus: number, address: number, inputs: number): Promise<void> {
  await put(`api/hw/i2c/${bus}/${address}`, { inputs });
}
