// Shared by the end-to-end tests and the editor benchmark: the flowgate
// binary on a loopback port with its own data dir, and headless Chromium.
//
//   FLOWGATE_BIN  the binary (default ../bin/flowgate)
//   CHROMIUM      the browser (default /usr/bin/chromium)

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = dirname(fileURLToPath(import.meta.url));
export const bin = resolve(process.env.FLOWGATE_BIN ?? join(here, '../../bin/flowgate'));
export const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** checkTools exits when Chromium or the binary is missing: with 0 and a
 * SKIPPED line when CI is unset and Chromium is what is missing, else 1. */
export function checkTools(what) {
  if (!existsSync(browserPath)) {
    if (process.env.CI) {
      console.error(`${what}: FAIL: no Chromium at ${browserPath} and CI is set (apt-get install -y chromium)`);
      process.exit(1);
    }
    console.log(`${what}: SKIPPED: no Chromium at ${browserPath} (apt-get install -y chromium, or set CHROMIUM)`);
    process.exit(0);
  }
  if (!existsSync(bin)) {
    console.error(`${what}: FAIL: no flowgate binary at ${bin} (make build)`);
    process.exit(1);
  }
}

export const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

export const newDataDir = () => mkdtempSync(join(tmpdir(), 'flowgate-e2e-'));

/** startFlowgate runs the binary and waits until it answers. Without
 * opts.data it uses a fresh data dir that stop() removes; with opts.port it
 * listens there (a restart on the same address). */
export async function startFlowgate(opts = {}) {
  const port = opts.port ?? (await freePort());
  const own = !opts.data;
  const data = opts.data ?? newDataDir();
  const args = ['--listen', `127.0.0.1:${port}`, '--data', data, '--broker', 'off', '--hw', 'sim', '--log-level', 'error'];
  if (opts.settings) {
    // a settings file (YAML), e.g. adminAuth
    const file = join(data, 'settings.yaml');
    writeFileSync(file, opts.settings);
    args.push('--settings', file);
  }
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/`;
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    try {
      up = (await fetch(url + 'healthz')).ok;
    } catch {
      // not up yet
    }
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  if (!up) throw new Error(`flowgate did not start on ${url}`);
  return {
    url,
    port,
    data,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      }
      if (own) rmSync(data, { recursive: true, force: true });
    },
  };
}

/** launch starts headless Chromium; playwright-core gives every launch a
 * fresh temporary user-data-dir. */
export function launch() {
  return chromium.launch({
    executablePath: browserPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const v2 = { 'Node-RED-API-Version': 'v2' };

/** deployFlows replaces the server's flows with flows (full deploy). */
export async function deployFlows(url, flows) {
  const cur = await (await fetch(url + 'flows', { headers: v2 })).json();
  const r = await fetch(url + 'flows', {
    method: 'POST',
    headers: { ...v2, 'Content-Type': 'application/json' },
    body: JSON.stringify({ flows, rev: cur.rev }),
  });
  if (!r.ok) throw new Error(`deploy failed: ${r.status} ${await r.text()}`);
}
