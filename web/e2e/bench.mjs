// The editor benchmark: the size of the JavaScript bundle (gzip), the time
// from page load to the canvas showing every node of a 1,000-node flow in
// headless Chromium, and the main-thread time of a few interactions on
// that flow (select, drag, undo). Prints one line per figure.
//
//   BENCH_NODES  nodes in the flow (default 1000)
//   BENCH_RUNS   page loads, the median is printed (default 3)

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bigFlow } from './bigflow.mjs';
import { checkTools, deployFlows, here, launch, startFlowgate } from './lib.mjs';

const n = Number(process.env.BENCH_NODES ?? 1000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const kB = (b) => (b / 1000).toFixed(1) + ' kB';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The bundle: the entry script of index.html, and the lazily loaded chunks.
const dist = join(here, '../dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = /<script[^>]+src="\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
if (!entry) throw new Error('no entry script in dist/index.html (make web)');
const gz = (f) => gzipSync(readFileSync(join(dist, f))).length;
const raw = (f) => readFileSync(join(dist, f)).length;
const css = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.css')).map((f) => 'assets/' + f);
const lazy = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js') && 'assets/' + f !== entry)
  .map((f) => 'assets/' + f);
console.log(
  `editor bundle: ${kB(gz(entry))} gzip JavaScript loaded at start (${kB(raw(entry))} raw), ` +
    `${kB(css.reduce((s, f) => s + gz(f), 0))} gzip CSS, ${kB(lazy.reduce((s, f) => s + gz(f), 0))} gzip loaded on demand (code editor)`,
);

checkTools('bench-editor');
const fg = await startFlowgate();
const browser = await launch();
try {
  const specs = await (await fetch(fg.url + 'nodes', { headers: { Accept: 'application/json' } })).json();
  await deployFlows(fg.url, bigFlow(specs, n));

  const times = [];
  let page;
  for (let i = 0; i < runs; i++) {
    await page?.close();
    page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    page.on('pageerror', (e) => console.error('  page error:', e.message));
    await page.goto(fg.url, { waitUntil: 'commit' });
    const h = await page.waitForFunction(
      (want) => document.querySelectorAll('.react-flow__node [data-node-id]').length >= want && performance.now(),
      n,
      { polling: 'raf', timeout: 60000 },
    );
    times.push(await h.jsonValue());
  }
  console.log(
    `editor load: ${Math.round(median(times))} ms from page load to all ${n} nodes on the canvas ` +
      `(median of ${runs}: ${times.map(Math.round).join(', ')} ms)`,
  );

  // The main thread's time on interactions with the big flow (Chrome's
  // metrics): all of it, and the JavaScript part (the rest is style,
  // layout and paint).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value * 1000]));
  const settle = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)))));
  const measure = async (f, per = 1) => {
    await settle();
    const a = await metrics();
    await f();
    await settle();
    const b = await metrics();
    const ms = (k) => ((b[k] - a[k]) / per).toFixed(per > 1 ? 1 : 0);
    return `${ms('ScriptDuration')} ms script (${ms('TaskDuration')} ms main thread)`;
  };
  const inject = page.locator('.react-flow__node:has([data-node-type="inject"])').first();
  const box = await inject.boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const select = await measure(() => page.mouse.click(cx, cy));
  const steps = 20;
  const drag = await measure(async () => {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let s = 1; s <= steps; s++) await page.mouse.move(cx + s * 4, cy + s * 3);
    await page.mouse.up();
  }, steps);
  const undo = await measure(() => page.keyboard.press('Control+z'));
  console.log(`editor select a node of ${n}: ${select}`);
  console.log(`editor drag a node of ${n}: ${drag} per pointer move`);
  console.log(`editor undo a move on ${n}: ${undo}`);
} finally {
  await browser.close();
  await fg.stop();
}
