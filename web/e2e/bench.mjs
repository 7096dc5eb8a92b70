// The editor benchmark: the size of the JavaScript bundle (gzip), the time
// from page load to the canvas showing every node of a 1,000-node flow in
// headless Chromium, and the main-thread time of a few interactions on
// that flow (select, drag, undo), and the data tab's chart drawing 1 M
// points. Prints one line per figure.
//
//   BENCH_NODES   nodes in the flow (default 1000)
//   BENCH_RUNS    page loads, the median is printed (default 3)
//   BENCH_POINTS  points of the chart (default 1000000)

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bigFlow } from './bigflow.mjs';
import { checkTools, deployFlows, here, launch, startFlowgate } from './lib.mjs';

const n = Number(process.env.BENCH_NODES ?? 1000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const chartPoints = Number(process.env.BENCH_POINTS ?? 1_000_000);
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
    `${kB(css.reduce((s, f) => s + gz(f), 0))} gzip CSS, ${kB(lazy.reduce((s, f) => s + gz(f), 0))} gzip loaded on demand (code editor, chart)`,
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
  await page.close();
  await chartBench();
} finally {
  await browser.close();
  await fg.stop();
}

/** chartBench charts one topic of chartPoints readings (a reading a
 * millisecond, /api/data answered by the page's route with the store's
 * pages of 10,000) and prints the chart's draw time: the Performance
 * measure the chart makes from the data handed to uPlot to the end of its
 * draw, median of BENCH_RUNS. */
async function chartBench() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.error('  page error:', e.message));
  const topic = 'bench/chart';
  const end = Date.now();
  const start = end - chartPoints; // inside the last hour up to 3.6 M points
  const row = (i) => `{"id":${i + 1},"topic":"${topic}","payload":${(20 + Math.sin(i / 5000) * 5 + (i % 97) / 100).toFixed(2)},"ts":${start + i}}`;
  await page.route(/\/api\/data\?/, (route) => {
    const q = new URL(route.request().url()).searchParams;
    if (q.get('order') === 'desc') {
      return route.fulfill({ contentType: 'application/json', body: `{"limit":10000,"offset":0,"data":[${row(chartPoints - 1)}]}` });
    }
    const offset = Number(q.get('offset') ?? 0);
    const limit = Number(q.get('limit') ?? 100);
    const first = Math.max(0, Number(q.get('from') ?? 0) - start); // a live poll asks from the last
    const to = Math.min(first + offset + limit, chartPoints);
    const rows = [];
    for (let i = first + offset; i < to; i++) rows.push(row(i));
    const next = to < chartPoints ? `,"next":${to - first}` : '';
    return route.fulfill({ contentType: 'application/json', body: `{"limit":${limit},"offset":${offset}${next},"data":[${rows.join(',')}]}` });
  });
  const draws = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(fg.url);
    await page.waitForSelector('.fg-node');
    await page.click('.fg-sidebar nav button:has-text("data")');
    await page.locator(`.fg-data-topics li[data-topic="${topic}"] input[type=checkbox]`).check();
    await page.waitForSelector(`.fg-chart[data-points="${chartPoints}"]`, { timeout: 60000 }).catch(async (e) => {
      const state = await page.evaluate(() => [document.querySelector('.fg-chart')?.dataset.points, document.querySelector('.fg-data')?.textContent]);
      throw new Error(`chart not drawn: ${e.message}; chart ${state[0]} points, tab: ${state[1]}`);
    });
    draws.push(await page.evaluate(() => performance.getEntriesByName('fg-chart-draw', 'measure').at(-1).duration));
  }
  console.log(
    `editor chart of ${chartPoints} points: ${Math.round(median(draws))} ms to draw ` +
      `(median of ${runs}: ${draws.map(Math.round).join(', ')} ms; data to uPlot, align, draw)`,
  );
  await page.close();
}
