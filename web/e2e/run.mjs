// End-to-end tests of the editor in headless Chromium against the real
// flowgate binary. Prints "N passed, N failed" and exits 1 on a failure.
// Without Chromium it skips, unless CI is set: then it fails (lib.mjs).

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, checkTools, deployFlows, here, launch, newDataDir, startFlowgate } from './lib.mjs';

checkTools('e2e');
const browser = await launch();

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const assert = (ok, msg) => {
  if (!ok) throw new Error(msg);
};

/** open starts a server and loads the editor in a new page. */
async function open() {
  const fg = await startFlowgate();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.error('  page error:', e.message));
  await page.goto(fg.url);
  await page.waitForSelector('.fg-node');
  return { fg, page };
}

const nodeSel = (type) => `.react-flow__node:has([data-node-type="${type}"])`;

/** dropNode drags a palette entry onto the canvas at canvas-relative x,y. */
async function dropNode(page, type, x, y) {
  const before = await page.locator(nodeSel(type)).count();
  await page.dragAndDrop(`.fg-palette-node[data-type="${type}"]`, '.fg-canvas', { targetPosition: { x, y } });
  await page.waitForFunction(([s, n]) => document.querySelectorAll(s).length > n, [nodeSel(type), before]);
  return page.locator(nodeSel(type)).nth(before);
}

/** dragWire draws a wire from an output handle to an input handle. */
async function dragWire(page, from, to) {
  const a = await from.locator('.react-flow__handle.source').first().boundingBox();
  const b = await to.locator('.react-flow__handle.target').first().boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

async function deployed(page) {
  await page.click('button:has-text("Deploy")');
  await page.waitForSelector('.fg-notice:has-text("Successfully deployed")', { timeout: 5000 });
}

test('screenshot of the editor with the welcome flow', async () => {
  const { fg, page } = await open();
  try {
    await page.waitForSelector('[data-node-type="inject"]');
    await page.click('[data-node-type="inject"] >> .fg-node-label');
    await page.click('.fg-node-button.left');
    await page.waitForSelector('.fg-debug-msg:has-text("Hello from Flowgate")');
    await page.mouse.click(700, 700);
    // the README's picture is refreshed only on request (SCREENSHOT=1), so a
    // test run leaves the work tree clean
    const shot = process.env.SCREENSHOT ? join(here, 'screenshot.png') : join(tmpdir(), `flowgate-e2e-${process.pid}.png`);
    await page.screenshot({ path: shot });
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('inject → debug: drag, wire, deploy, click, see the message', async () => {
  const { fg, page } = await open();
  try {
    const edgesBefore = await page.locator('.react-flow__edge').count();
    const inj = await dropNode(page, 'inject', 200, 500);
    const dbg = await dropNode(page, 'debug', 500, 500);
    await dragWire(page, inj, dbg);
    await page.waitForFunction((n) => document.querySelectorAll('.react-flow__edge').length > n, edgesBefore);
    assert(await page.locator('.fg-dirty').count() === 1, 'no dirty indicator before deploy');
    await deployed(page);
    assert(await page.locator('.fg-dirty').count() === 0, 'dirty indicator after deploy');
    const injId = await inj.getAttribute('data-id');
    const dbgId = await dbg.getAttribute('data-id');
    const flows = await (await fetch(fg.url + 'flows')).json();
    const i = flows.find((n) => n.id === injId);
    assert(i && i.wires[0].includes(dbgId), `deployed inject is not wired to the debug: ${JSON.stringify(i)}`);
    await inj.locator('.fg-node-button.left').click();
    await page.waitForSelector(`.fg-debug-msg[data-node="${dbgId}"]`, { timeout: 5000 });
    const text = await page.locator(`.fg-debug-msg[data-node="${dbgId}"]`).innerText();
    assert(/\d{10,}/.test(text), `debug message has no timestamp payload: ${text}`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('undo and redo of a move and a delete', async () => {
  const { fg, page } = await open();
  try {
    const node = page.locator(nodeSel('debug')).first();
    const id = await node.getAttribute('data-id');
    const box0 = await node.boundingBox();
    await page.mouse.move(box0.x + box0.width / 2, box0.y + box0.height / 2);
    await page.mouse.down();
    await page.mouse.move(box0.x + box0.width / 2 + 120, box0.y + box0.height / 2 + 80, { steps: 8 });
    await page.mouse.up();
    const box1 = await node.boundingBox();
    assert(Math.abs(box1.x - box0.x) > 50, 'node did not move');
    await page.keyboard.press('Control+z');
    await page.waitForTimeout(100);
    const box2 = await node.boundingBox();
    assert(Math.abs(box2.x - box0.x) < 2 && Math.abs(box2.y - box0.y) < 2, 'undo did not move the node back');
    await page.keyboard.press('Control+y');
    await page.waitForTimeout(100);
    const box3 = await node.boundingBox();
    assert(Math.abs(box3.x - box1.x) < 2, 'redo did not move the node again');
    await node.click();
    await page.keyboard.press('Delete');
    await page.waitForSelector(`.react-flow__node[data-id="${id}"]`, { state: 'detached' });
    await page.keyboard.press('Control+z');
    await page.waitForSelector(`.react-flow__node[data-id="${id}"]`);
    await page.keyboard.press('Control+y');
    await page.waitForSelector(`.react-flow__node[data-id="${id}"]`, { state: 'detached' });
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('a deploy conflict offers overwrite', async () => {
  const { fg, page } = await open();
  try {
    // Someone else deploys meanwhile.
    const cur = await (await fetch(fg.url + 'flows', { headers: { 'Node-RED-API-Version': 'v2' } })).json();
    const other = cur.flows.map((n) => (n.type === 'comment' ? { ...n, name: 'changed elsewhere' } : n));
    const r = await fetch(fg.url + 'flows', {
      method: 'POST',
      headers: { 'Node-RED-API-Version': 'v2', 'Content-Type': 'application/json' },
      body: JSON.stringify({ flows: other, rev: cur.rev }),
    });
    assert(r.ok, `background deploy failed: ${r.status}`);
    await dropNode(page, 'debug', 500, 550);
    await page.click('button:has-text("Deploy")');
    await page.waitForSelector('[role=dialog][aria-label="Deploy conflict"]');
    await page.click('[role=dialog] button:has-text("Overwrite")');
    await page.waitForSelector('.fg-notice:has-text("Successfully deployed")', { timeout: 5000 });
    const flows = await (await fetch(fg.url + 'flows')).json();
    assert(!flows.some((n) => n.name === 'changed elsewhere'), 'overwrite kept the other deploy');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('a property problem deploys as a warning, shown on its node and at its field', async () => {
  const { fg, page } = await open();
  try {
    const sw = await dropNode(page, 'switch', 300, 560);
    await sw.dblclick();
    await page.fill('[data-field="property"] input', '');
    await page.click('.fg-tray button:has-text("Done")');
    await page.click('button:has-text("Deploy")');
    // Node-RED deploys it and the node reports the problem: a warning
    await page.waitForSelector('.fg-notice:has-text("Deployed with 1 warning")');
    await sw.locator('.fg-node.warned').waitFor();
    await sw.dblclick();
    const err = await page.locator('[data-field="property"] .fg-field-error').innerText();
    assert(/zero-length|property/.test(err), `field error not shown: ${err}`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

test("editing a change node's rules takes effect after deploy", async () => {
  const { fg, page } = await open();
  try {
    const inj = page.locator(nodeSel('inject')).first();
    const chg = await dropNode(page, 'change', 300, 600);
    const dbg = await dropNode(page, 'debug', 550, 600);
    await dragWire(page, inj, chg);
    await dragWire(page, chg, dbg);
    await chg.dblclick();
    await page.fill('.fg-rules input[aria-label="to"]', 'edited by e2e');
    await page.click('.fg-tray button:has-text("Done")');
    await deployed(page);
    const dbgId = await dbg.getAttribute('data-id');
    await inj.locator('.fg-node-button.left').click();
    const msg = page.locator(`.fg-debug-msg[data-node="${dbgId}"]`);
    await msg.waitFor({ timeout: 5000 });
    const text = await msg.innerText();
    assert(text.includes('edited by e2e'), `change rule not applied: ${text}`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('import a Node-RED export and export it back unchanged', async () => {
  const { fg, page } = await open();
  try {
    const text = readFileSync(join(here, '../src/model/testdata/common_link_02.json'), 'utf8').trim();
    await page.click('button:has-text("import")');
    await page.fill('textarea[aria-label="import text"]', text);
    await page.click('[role=dialog] button:has-text("Import")');
    await page.waitForSelector('.fg-tab:has-text("TAB: 1st")');
    await page.click('button:has-text("export")');
    await page.click('[role=dialog] button:has-text("all flows")');
    const all = JSON.parse(await page.locator('textarea[aria-label="export text"]').inputValue());
    const ids = new Set(JSON.parse(text).map((n) => n.id));
    const back = JSON.stringify(all.filter((n) => ids.has(n.id)));
    assert(back === JSON.stringify(JSON.parse(text)), 'export differs from the import');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('groups, junctions, link wires on hover, icons and debug labels drawn as Node-RED', async () => {
  const { fg, page } = await open();
  try {
    const flow = [
      { id: 'dt', type: 'tab', label: 'Drawn', disabled: false, info: '', env: [] },
      { id: 'dg', type: 'group', z: 'dt', name: 'My group', style: { stroke: '#ff0000', fill: '#ffefbf', label: true }, nodes: ['di', 'dj'], x: 20, y: 20, w: 320, h: 80 },
      { id: 'di', type: 'inject', z: 'dt', g: 'dg', name: 'go', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', x: 110, y: 60, wires: [['dj']] },
      { id: 'dj', type: 'junction', z: 'dt', g: 'dg', x: 280, y: 60, wires: [['dd']] },
      { id: 'dd', type: 'debug', z: 'dt', name: '', active: true, tosidebar: true, console: false, tostatus: false, complete: 'false', x: 450, y: 60, wires: [] },
      { id: 'dlo', type: 'link out', z: 'dt', name: '', mode: 'link', links: ['dli'], x: 150, y: 200, wires: [] },
      { id: 'dli', type: 'link in', z: 'dt', name: '', links: ['dlo'], x: 400, y: 200, wires: [[]] },
    ];
    await page.click('button:has-text("import")');
    await page.fill('textarea[aria-label="import text"]', JSON.stringify(flow));
    await page.click('[role=dialog] button:has-text("Import")');
    await page.waitForSelector('.fg-tab:has-text("Drawn")');
    await page.click('.fg-tab:has-text("Drawn")');
    await page.waitForSelector('[data-group-id="dg"] .fg-group-label:has-text("My group")');
    assert((await page.getAttribute('[data-group-id="dg"] rect', 'stroke')) === '#ff0000', 'group stroke not drawn');
    const j = await page.locator('.react-flow__node[data-id="dj"] .fg-junction').boundingBox();
    assert(j && j.width < 16 && j.height < 16, `junction is not a small dot: ${JSON.stringify(j)}`);
    assert(await page.locator('.react-flow__edge[data-id="dj:0>dd"]').count() === 1, 'no wire through the junction');
    const label = await page.locator('.react-flow__node[data-id="dd"] .fg-node-label').innerText();
    assert(label === 'msg.payload', `debug label is ${label}`);
    assert(await page.locator('.react-flow__node[data-id="di"] svg[data-icon="inject"]').count() === 1, 'no inject icon');
    const wire = '.react-flow__edge.fg-link-wire';
    assert(await page.locator(wire).count() === 0, 'link wire shown without hover');
    // (a straight wire has no height: Playwright calls it hidden, so attached)
    await page.hover('.react-flow__node[data-id="dlo"]');
    await page.waitForSelector(wire, { state: 'attached' });
    const dash = await page.locator(`${wire} path`).first().evaluate((p) => getComputedStyle(p).strokeDasharray);
    assert(dash !== 'none', 'link wire not dashed');
    await page.mouse.move(5, 845);
    await page.waitForSelector(wire, { state: 'detached' });
    await page.click('.react-flow__node[data-id="dli"]');
    await page.mouse.move(5, 845);
    await page.waitForSelector(wire, { state: 'attached' });
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('the editor says when the connection is lost and recovers by itself', async () => {
  const data = newDataDir();
  let fg = await startFlowgate({ data });
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  try {
    await page.goto(fg.url);
    await page.waitForSelector('.fg-node');
    assert(await page.locator('.fg-banner').count() === 0, 'banner while connected');
    await fg.stop();
    await page.waitForSelector('.fg-banner:has-text("Connection to the server lost")', { timeout: 5000 });
    fg = await startFlowgate({ data, port: fg.port });
    await page.waitForSelector('.fg-banner', { state: 'detached', timeout: 10000 });
    // the reconnected socket carries debug messages again
    await page.click('[data-node-type="inject"] >> .fg-node-label');
    await page.click('.fg-node-button.left');
    await page.waitForSelector('.fg-debug-msg:has-text("Hello from Flowgate")', { timeout: 5000 });
  } finally {
    await page.close();
    await fg.stop();
    rmSync(data, { recursive: true, force: true });
  }
});

test('the config nodes sidebar lists users, edits and deletes', async () => {
  const { fg, page } = await open();
  try {
    const flow = [
      { id: 'ct', type: 'tab', label: 'Config', disabled: false, info: '', env: [] },
      { id: 'cb1', type: 'mqtt-broker', name: 'used broker', broker: 'localhost', port: '1883' },
      { id: 'cb2', type: 'mqtt-broker', name: 'spare broker', broker: 'localhost', port: '1883' },
      { id: 'cm1', type: 'mqtt in', z: 'ct', name: 'sub', topic: 'a', broker: 'cb1', x: 120, y: 60, wires: [[]] },
    ];
    await page.click('button:has-text("import")');
    await page.fill('textarea[aria-label="import text"]', JSON.stringify(flow));
    await page.click('[role=dialog] button:has-text("Import")');
    await page.click('.fg-sidebar nav button:has-text("config nodes")');
    const used = page.locator('[data-config-id="cb1"]');
    await used.waitFor();
    const text = await used.innerText();
    assert(text.includes('1 user') && text.includes('sub'), `users not listed: ${text}`);
    await page.locator('[data-config-id="cb2"] button[aria-label="delete config node"]').click();
    await page.waitForSelector('[data-config-id="cb2"]', { state: 'detached' });
    await used.locator('a:has-text("used broker")').click();
    await page.waitForSelector('[role=dialog][aria-label="Edit mqtt-broker node"]');
    await page.click('.fg-tray button:has-text("Cancel")');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('inject now sends the properties as edited in the form', async () => {
  const { fg, page } = await open();
  try {
    await page.locator(nodeSel('inject')).first().dblclick();
    await page.fill('.fg-rules input[aria-label="value"]', 'edited, not deployed');
    await page.click('.fg-tray button:has-text("inject now")');
    await page.waitForSelector('.fg-debug-msg:has-text("edited, not deployed")', { timeout: 5000 });
    await page.click('.fg-tray button:has-text("Cancel")');
    assert(await page.locator('.fg-dirty').count() === 0, 'inject now changed the flow');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('selection to subflow: the change node moves into a subflow, deploys and still works', async () => {
  const fg = await startFlowgate();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.error('  page error:', e.message));
  try {
    await deployFlows(fg.url, [
      { id: 'sft', type: 'tab', label: 'Subflows', disabled: false, info: '', env: [] },
      { id: 'sfi', type: 'inject', z: 'sft', name: '', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: 'plain', payloadType: 'str', x: 120, y: 100, wires: [['sfc']] },
      { id: 'sfc', type: 'change', z: 'sft', name: 'shout', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'changed inside a subflow', tot: 'str' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: 100, wires: [['sfd']] },
      { id: 'sfd', type: 'debug', z: 'sft', name: '', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 480, y: 100, wires: [] },
    ]);
    await page.goto(fg.url);
    await page.waitForSelector('[data-node-type="change"]');
    await page.click('[data-node-type="change"] >> .fg-node-label');
    await page.click('button[aria-label="selection to subflow"]');
    const inst = page.locator('.react-flow__node:has([data-node-type^="subflow:"])');
    await inst.waitFor({ timeout: 5000 });
    assert((await page.locator('[data-node-type="change"]').count()) === 0, 'the change node is still on the flow');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 2);
    // the palette lists the new subflow; its template opens on its own tab
    await page.dblclick('.fg-palette-node[data-type^="subflow:"]');
    await page.waitForSelector('[data-port-kind="in"]');
    await page.waitForSelector('[data-port-kind="out"]');
    assert((await page.locator('[data-node-type="change"]').count()) === 1, 'the template has no change node');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 2);
    await page.click('.fg-tab:has-text("Subflows")');
    await deployed(page);
    await page.locator(nodeSel('inject')).locator('.fg-node-button.left').click();
    const msg = page.locator('.fg-debug-msg[data-node="sfd"]');
    await msg.waitFor({ timeout: 5000 });
    const text = await msg.innerText();
    assert(text.includes('changed inside a subflow'), `subflow did not change the payload: ${text}`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('adminAuth: login screen, wrong then right password, then /comms works', async () => {
  const hash = execFileSync(bin, ['hash-password'], { input: 'secret\n' }).toString().trim();
  const fg = await startFlowgate({
    settings: `adminAuth:\n  type: credentials\n  users:\n    - {username: admin, password: "${hash}", permissions: "*"}\n`,
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.error('  page error:', e.message));
  try {
    await page.goto(fg.url);
    await page.waitForSelector('.fg-login');
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'wrong');
    await page.click('button:has-text("Login")');
    await page.waitForSelector('.fg-login-failed');
    await page.fill('input[name="password"]', 'secret');
    await page.click('button:has-text("Login")');
    await page.waitForSelector('.fg-node');
    // /comms took the token: the welcome flow's message reaches the sidebar
    await page.click('[data-node-type="inject"] >> .fg-node-label');
    await page.click('.fg-node-button.left');
    await page.waitForSelector('.fg-debug-msg:has-text("Hello from Flowgate")', { timeout: 5000 });
    // the token is kept: a reload goes straight to the editor
    await page.reload();
    await page.waitForSelector('.fg-node');
    assert((await page.locator('.fg-login').count()) === 0, 'login asked again after a reload');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('hardware sidebar: toggle a simulated input, see an output follow', async () => {
  const fg = await startFlowgate();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  try {
    await deployFlows(fg.url, [
      { id: 'hwtab', type: 'tab', label: 'Pi' },
      { id: 'hwin', type: 'rpi-gpio in', z: 'hwtab', name: 'button', pin: '17', intype: 'up', debounce: '25', read: false, bcm: true, x: 120, y: 80, wires: [['hwdbg']] },
      { id: 'hwdbg', type: 'debug', z: 'hwtab', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 340, y: 80, wires: [] },
      { id: 'hwinj', type: 'inject', z: 'hwtab', props: [{ p: 'payload' }], payload: '1', payloadType: 'num', repeat: '', once: false, x: 120, y: 180, wires: [['hwout']] },
      { id: 'hwout', type: 'rpi-gpio out', z: 'hwtab', name: 'led', pin: '18', out: 'out', set: true, level: '0', freq: '', bcm: true, x: 340, y: 180, wires: [] },
    ]);
    page.on('pageerror', (e) => console.error('  page error:', e.message));
    await page.goto(fg.url);
    await page.waitForSelector('[data-node-type="inject"]');
    await page.click('.fg-sidebar nav button:has-text("hardware")');
    const pin17 = page.locator('.fg-hw tr[data-bcm="17"]');
    await pin17.locator('a:has-text("button")').waitFor();
    // the pull-up holds the input high; pressing the button pulls it low
    const set17 = pin17.locator('button[aria-label="set GPIO17"]');
    await page.waitForFunction(() => document.querySelector('.fg-hw tr[data-bcm="17"] button')?.textContent === '1');
    await set17.click();
    await page.waitForFunction(() => document.querySelector('.fg-hw tr[data-bcm="17"] button')?.textContent === '0');
    await page.click('.fg-sidebar nav button:has-text("debug")');
    const msg = page.locator('.fg-debug-msg[data-node="hwdbg"]').first();
    await msg.waitFor({ timeout: 5000 });
    const text = await msg.locator('.fg-debug-value').innerText();
    assert(text.trim() === '0', `debug shows ${JSON.stringify(text)}, want 0`);
    // the output follows an inject, live in the panel
    await page.click('.fg-sidebar nav button:has-text("hardware")');
    const led = '.fg-hw tr[data-bcm="18"] .fg-hw-led';
    await page.waitForSelector(led);
    assert((await page.locator(led).getAttribute('data-level')) === '0', 'pin 18 is high before the inject');
    await page.click('[data-node-type="inject"] >> .fg-node-label');
    await page.click('.fg-node-button.left');
    await page.waitForSelector(`${led}[data-level="1"]`, { timeout: 5000 });
    // the owner link reveals the node
    await page.click('.fg-hw tr[data-bcm="18"] a:has-text("led")');
    await page.waitForSelector('.fg-node.selected[data-node-type="rpi-gpio out"]');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('a deploy from another editor: notice, review, merge, deploy without conflict', async () => {
  const { fg, page: a } = await open();
  const b = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  try {
    b.on('pageerror', (e) => console.error('  page error (B):', e.message));
    await b.goto(fg.url);
    await b.waitForSelector('.fg-node');
    // A has an undeployed edit: a new inject node
    const mine = await dropNode(a, 'inject', 300, 600);
    const mineId = await mine.getAttribute('data-id');
    // B moves the debug node and deploys
    const node = b.locator(nodeSel('debug')).first();
    const dbgId = await node.getAttribute('data-id');
    const box = await node.boundingBox();
    await b.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await b.mouse.down();
    await b.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 80, { steps: 8 });
    await b.mouse.up();
    await deployed(b);
    const moved = (await (await fetch(fg.url + 'flows')).json()).find((n) => n.id === dbgId);
    // A is told, reviews and sees the moved node listed as changed
    const notice = a.locator('.fg-background:has-text("The flows on the server have been updated.")');
    await notice.waitFor({ timeout: 5000 });
    await notice.locator('button:has-text("Review changes")').click();
    const changed = a.locator(`.fg-merge-changed li:has-text("debug")`);
    await changed.waitFor({ timeout: 5000 });
    assert((await a.locator('.fg-merge-added li, .fg-merge-deleted li, .fg-merge-conflicts li').count()) === 0, 'review lists more than the moved node');
    await a.click('[role="dialog"] button:has-text("Merge")');
    await a.waitForSelector('[role="dialog"][aria-label="Review changes"]', { state: 'detached' });
    assert((await a.locator(`[data-id="${mineId}"]`).count()) === 1, 'the merge lost the local undeployed node');
    // A deploys on top of B's revision: no conflict, both changes kept
    await deployed(a);
    assert((await a.locator('[role="dialog"][aria-label="Deploy conflict"]').count()) === 0, 'deploy conflict after the merge');
    const flows = await (await fetch(fg.url + 'flows')).json();
    const d = flows.find((n) => n.id === dbgId);
    assert(d && d.x === moved.x && d.y === moved.y, `B's move was lost: ${JSON.stringify(d)} want ${moved.x},${moved.y}`);
    assert(flows.some((n) => n.id === mineId), "A's new node was not deployed");
  } finally {
    await b.close();
    await a.close();
    await fg.stop();
  }
});

/** readmeShot saves a picture for the README under e2e/ when SCREENSHOT is set. */
async function readmeShot(page, name) {
  if (process.env.SCREENSHOT) await page.screenshot({ path: join(here, name) });
}

/** pickType chooses a type in a typed input's Node-RED type menu. */
async function pickType(page, scope, label, type) {
  await page.click(`${scope} button[aria-label="${label} type"]`);
  await page.click(`${scope} [role=menu] li[data-type="${type}"]`);
}

/** deployedNode deploys and returns the node as the server has it. */
async function deployedNode(page, fg, id) {
  // the notice of an earlier deploy may still show: wait for the flows to be clean
  assert((await page.locator('.fg-dirty').count()) === 1, 'nothing to deploy');
  await page.click('button:has-text("Deploy")');
  await page.waitForSelector('.fg-dirty', { state: 'detached', timeout: 5000 });
  return (await (await fetch(fg.url + 'flows')).json()).find((n) => n.id === id);
}

test("inject form: Node-RED's property list, repeat selector and once, saved as Node-RED saves them", async () => {
  const { fg, page } = await open();
  try {
    const inj = await dropNode(page, 'inject', 300, 600);
    const id = await inj.getAttribute('data-id');
    await inj.dblclick();
    const form = '.fg-tray';
    // payload and topic appear once each, in the property list
    assert((await page.locator(`${form} input[aria-label="property name"]`).count()) === 2, 'payload and topic rows');
    assert((await page.locator(`${form} [data-field="payload"], ${form} [data-field="topic"]`).count()) === 0, 'payload or topic shown twice');
    await pickType(page, `${form} .fg-inject-props .fg-rule:nth-child(1)`, 'value', 'str');
    await page.fill(`${form} .fg-inject-props input[aria-label="value"]`, 'hi');
    await page.fill(`${form} input[aria-label="topic"]`, 'greeting');
    await page.click(`${form} button:has-text("+ add")`);
    await page.locator(`${form} input[aria-label="property name"]`).nth(2).fill('count');
    await pickType(page, `${form} .fg-inject-props .fg-rule:nth-child(3)`, 'value', 'num');
    await page.locator(`${form} .fg-inject-props input[aria-label="value"]`).nth(1).fill('3');
    await page.check(`${form} input[aria-label="inject once"]`);
    await page.fill(`${form} input[aria-label="once delay"]`, '2');
    await page.selectOption(`${form} select[aria-label="repeat"]`, 'interval-time');
    await page.selectOption(`${form} select[aria-label="every minutes"]`, '5');
    await page.selectOption(`${form} select[aria-label="start hour"]`, '8');
    await page.selectOption(`${form} select[aria-label="end hour"]`, '17');
    await page.uncheck(`${form} input[aria-label="Saturday"]`);
    await page.uncheck(`${form} input[aria-label="Sunday"]`);
    await readmeShot(page, 'inject-form.png');
    await page.click(`${form} button:has-text("Done")`);
    let n = await deployedNode(page, fg, id);
    const want = { repeat: '', crontab: '*/5 8-16 * * 1,2,3,4,5', once: true, onceDelay: 2, topic: 'greeting', payload: 'hi', payloadType: 'str' };
    for (const [k, v] of Object.entries(want)) assert(n[k] === v, `${k} is ${JSON.stringify(n[k])}, want ${JSON.stringify(v)}`);
    assert(JSON.stringify(n.props) === JSON.stringify([{ p: 'payload' }, { p: 'topic', vt: 'str' }, { p: 'count', v: '3', vt: 'num' }]), `props ${JSON.stringify(n.props)}`);
    const label = await inj.locator('.fg-node-label').innerText();
    assert(label.startsWith('greeting:hi') && label.includes('↻'), `label is ${JSON.stringify(label)}`);
    // the form reads the crontab back; then every 2 minutes, and at 07:30 at weekends
    await inj.dblclick();
    assert((await page.inputValue(`${form} select[aria-label="repeat"]`)) === 'interval-time', 'repeat kind not read back');
    assert((await page.inputValue(`${form} select[aria-label="end hour"]`)) === '17', 'end hour not read back');
    assert(!(await page.isChecked(`${form} input[aria-label="Sunday"]`)), 'Sunday read back as ticked');
    await page.selectOption(`${form} select[aria-label="repeat"]`, 'interval');
    await page.fill(`${form} input[aria-label="interval count"]`, '2');
    await page.selectOption(`${form} select[aria-label="interval units"]`, 'm');
    await page.click(`${form} button:has-text("Done")`);
    n = await deployedNode(page, fg, id);
    assert(n.repeat === '120' && n.crontab === '', `interval saved as ${n.repeat} / ${n.crontab}`);
    await inj.dblclick();
    await page.selectOption(`${form} select[aria-label="repeat"]`, 'time');
    await page.fill(`${form} input[aria-label="at time"]`, '7:30');
    for (const d of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await page.uncheck(`${form} input[aria-label="${d}"]`);
    await page.check(`${form} input[aria-label="Saturday"]`);
    await page.check(`${form} input[aria-label="Sunday"]`);
    await page.click(`${form} button:has-text("Done")`);
    n = await deployedNode(page, fg, id);
    assert(n.repeat === '' && n.crontab === '30 07 * * 6,0', `time saved as ${n.repeat} / ${n.crontab}`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('debug, switch and function forms: Node-RED widgets, saved as Node-RED saves them', async () => {
  const { fg, page } = await open();
  try {
    const form = '.fg-tray';
    // debug: output "complete msg object" and node status
    const dbg = await dropNode(page, 'debug', 300, 560);
    const dbgId = await dbg.getAttribute('data-id');
    await dbg.dblclick();
    await pickType(page, `${form} [data-field="complete"]`, 'output', 'full');
    await page.check(`${form} label:has-text("node status") input`);
    await page.click(`${form} button:has-text("Done")`);
    let n = await deployedNode(page, fg, dbgId);
    assert(n.complete === 'true' && n.targetType === 'full' && n.tostatus === true && n.statusType === 'auto', `debug saved ${JSON.stringify(n)}`);
    assert((await dbg.locator('.fg-node-label').innerText()) === 'msg', 'debug label is not msg');
    // switch: a second rule makes a second output
    const sw = await dropNode(page, 'switch', 300, 640);
    const swId = await sw.getAttribute('data-id');
    await sw.dblclick();
    await page.click(`${form} [data-field="rules"] button:has-text("+ add")`);
    await page.locator(`${form} select[aria-label="operator"]`).nth(1).selectOption('else');
    await page.click(`${form} button:has-text("Done")`);
    n = await deployedNode(page, fg, swId);
    assert(n.outputs === 2 && n.rules[1].t === 'else' && n.wires.length === 2, `switch saved ${JSON.stringify(n)}`);
    assert((await sw.locator('.react-flow__handle.source').count()) === 2, 'switch has not two ports');
    // Node-RED's port labels: the rule of each output on hover
    await sw.locator('.react-flow__handle.source').nth(1).hover();
    await page.waitForSelector(`.react-flow__node[data-id="${swId}"] .fg-port-label:has-text("otherwise")`, { state: 'visible' });
    // function: Node-RED's tabs; the code editor takes its place without moving anything
    const fn = await dropNode(page, 'function', 300, 720);
    const fnId = await fn.getAttribute('data-id');
    await fn.dblclick();
    const box = `${form} [data-tab="func"] .fg-code-box`;
    await page.waitForSelector(box);
    const before = await page.locator(box).boundingBox();
    await page.waitForSelector(`${box} .cm-editor`);
    const after = await page.locator(box).boundingBox();
    assert(before.y === after.y && before.height === after.height, `code editor moved: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    const tabs = await page.locator(`${form} [role=tab]`).allInnerTexts();
    assert(tabs.join('|') === 'Setup|On Start|On Message|On Stop', `tabs ${tabs}`);
    await page.click(`${form} [role=tab]:has-text("Setup")`);
    await page.fill(`${form} input[aria-label="outputs"]`, '2');
    await page.click(`${form} [role=tab]:has-text("On Start")`);
    await page.click(`${form} [data-tab="initialize"] .cm-content`);
    await page.keyboard.type('context.set("n", 1);');
    await page.click(`${form} button:has-text("Done")`);
    n = await deployedNode(page, fg, fnId);
    assert(n.outputs === 2 && n.initialize === 'context.set("n", 1);', `function saved ${JSON.stringify(n)}`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('Node-RED habits: context menu, Escape, flow properties, Deploy greyed, changed marks, export buttons, Markdown info, icons', async () => {
  const { fg, page } = await open();
  try {
    const deployBtn = 'button.primary:has-text("Deploy")';
    assert(await page.isDisabled(deployBtn), 'Deploy enabled with nothing changed');
    // every label fits its node, as Node-RED sizes nodes
    const clipped = await page.$$eval('.fg-node-label', (ls) => ls.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent));
    assert(clipped.length === 0, `labels cut: ${JSON.stringify(clipped)}`);
    assert((await page.locator('.fg-node-changed').count()) === 0, 'changed marks before any change');
    assert((await page.locator('link[rel="icon"]').count()) === 1, 'no favicon');
    const entry = page.locator('.fg-palette-node[data-type="inject"]');
    assert((await entry.locator('svg[data-icon="inject"]').count()) === 1, 'palette entry has no icon');
    const tip = await entry.getAttribute('title');
    assert(tip.startsWith('inject\n') && tip.length > 30, `palette tooltip ${JSON.stringify(tip)}`);
    // right-click a node: its menu edits it; Escape closes the editor
    const dbg = page.locator(nodeSel('debug')).first();
    await dbg.click({ button: 'right' });
    await page.click('[role=menu][aria-label="context menu"] li:has-text("Edit")');
    await page.waitForSelector('[role=dialog][aria-label="Edit debug node"]');
    await page.fill('.fg-tray input[aria-label="name"]', 'typed, then escaped');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[role=dialog][aria-label="Edit debug node"]', { state: 'detached' });
    assert(await page.isDisabled(deployBtn), 'Escape applied the edit');
    for (const type of ['inject', 'debug', 'change', 'http in']) {
      await page.locator(nodeSel(type)).first().dblclick();
      await page.click('.fg-tray button:has-text("Done")');
      assert(await page.isDisabled(deployBtn), `Done on an untouched ${type} form changed the node`);
    }
    // disable from the menu: the node is changed, marked, and Deploy lights up
    await dbg.click({ button: 'right' });
    await readmeShot(page, 'context-menu.png');
    await page.click('[role=menu] li:has-text("Disable")');
    await dbg.locator('.fg-node.disabled').waitFor();
    await dbg.locator('.fg-node-changed').waitFor();
    assert(!(await page.isDisabled(deployBtn)), 'Deploy greyed after a change');
    await deployed(page);
    await dbg.locator('.fg-node-changed').waitFor({ state: 'detached' });
    assert(await page.isDisabled(deployBtn), 'Deploy enabled after deploying');
    // the pane's menu opens the flow properties panel
    const pane = await page.locator('.fg-canvas').boundingBox();
    await page.mouse.click(pane.x + pane.width / 2, pane.y + 30, { button: 'right' });
    await page.click('[role=menu] li:has-text("Flow properties")');
    await page.waitForSelector('[role=dialog][aria-label="Flow properties"]');
    await page.fill('input[aria-label="flow name"]', 'Renamed');
    await page.fill('textarea[aria-label="flow description"]', 'About **this** flow');
    await page.click('[role=dialog][aria-label="Flow properties"] button:has-text("Done")');
    await page.waitForSelector('.fg-tab:has-text("Renamed")');
    await page.click('.fg-sidebar nav button:has-text("info")');
    await page.mouse.click(pane.x + pane.width / 2, pane.y + 30); // nothing selected: the flow's description
    await page.waitForSelector('.fg-flow-info strong:has-text("this")');
    await page.dblclick('.fg-tab:has-text("Renamed")');
    await page.waitForSelector('[role=dialog][aria-label="Flow properties"]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[role=dialog][aria-label="Flow properties"]', { state: 'detached' });
    await page.keyboard.press('Escape'); // nothing open: nothing happens
    // the export dialog: Close, Copy, Download, and Escape
    await page.click('button:has-text("export")');
    for (const b of ['Close', 'Copy', 'Download']) assert((await page.locator(`[role=dialog] button:text-is("${b}")`).count()) === 1, `export has no ${b}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[role=dialog][aria-label="Export nodes"]', { state: 'detached' });
    await page.click('button:has-text("export")');
    await page.click('[role=dialog] button:text-is("Close")');
    await page.waitForSelector('[role=dialog][aria-label="Export nodes"]', { state: 'detached' });
    // the info sidebar renders a node's description as Markdown, no raw HTML
    await page.click('button:has-text("import")');
    await page.fill('textarea[aria-label="import text"]', JSON.stringify([{ id: 'mdc', type: 'comment', name: 'notes', info: '**Set** the <b>value</b> and see [docs](https://nodered.org)', x: 300, y: 700, wires: [] }]));
    await page.click('[role=dialog] button:has-text("Import")');
    // the imported node is selected, as Node-RED selects what it imports
    await page.click('.fg-sidebar nav button:has-text("info")');
    await page.waitForSelector('.fg-node-info strong:has-text("Set")');
    assert((await page.locator('.fg-node-info b').count()) === 0, 'raw HTML rendered');
    assert((await page.locator('.fg-node-info a[href="https://nodered.org"]').count()) === 1, 'link not rendered');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('Ctrl+click quick-adds a node; a node dropped on a wire is spliced into it', async () => {
  const fg = await startFlowgate();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.error('  page error:', e.message));
  try {
    await deployFlows(fg.url, [
      { id: 'st', type: 'tab', label: 'Splice' },
      { id: 'si', type: 'inject', z: 'st', props: [{ p: 'payload' }], payload: 'x', payloadType: 'str', repeat: '', once: false, x: 120, y: 100, wires: [['sd']] },
      { id: 'sd', type: 'debug', z: 'st', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 520, y: 100, wires: [] },
    ]);
    await page.goto(fg.url);
    await page.waitForSelector('.react-flow__edge[data-id="si:0>sd"]');
    // drop a change node from the palette onto the middle of the wire
    const wire = await page.locator('.react-flow__edge[data-id="si:0>sd"] path').first().boundingBox();
    const pane = await page.locator('.fg-canvas').boundingBox();
    await page.dragAndDrop('.fg-palette-node[data-type="change"]', '.fg-canvas', {
      targetPosition: { x: wire.x + wire.width / 2 - pane.x, y: wire.y + wire.height / 2 - pane.y },
    });
    const chg = page.locator(nodeSel('change'));
    await chg.waitFor();
    const cid = await chg.getAttribute('data-id');
    await page.waitForSelector(`.react-flow__edge[data-id="si:0>${cid}"]`);
    await page.waitForSelector(`.react-flow__edge[data-id="${cid}:0>sd"]`);
    assert((await page.locator('.react-flow__edge[data-id="si:0>sd"]').count()) === 0, 'the old wire is still there');
    // one undo step takes the node and the splice back
    await page.keyboard.press('Control+z');
    await page.waitForSelector('.react-flow__edge[data-id="si:0>sd"]');
    assert((await page.locator(nodeSel('change')).count()) === 0, 'undo left the change node');
    // Ctrl+click on an empty spot: type, Enter
    await page.keyboard.down('Control');
    await page.mouse.click(pane.x + 300, pane.y + 400);
    await page.keyboard.up('Control');
    await page.waitForSelector('[role=dialog][aria-label="Add a node"]');
    await page.keyboard.type('func');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[role=dialog][aria-label="Add a node"]', { state: 'detached' });
    const fn = page.locator(nodeSel('function'));
    await fn.waitFor();
    const box = await fn.boundingBox();
    assert(Math.abs(box.x + box.width / 2 - (pane.x + 300)) < 40 && Math.abs(box.y + box.height / 2 - (pane.y + 400)) < 40, `function not added where clicked: ${JSON.stringify(box)}`);
    // and Escape closes the box
    await page.keyboard.down('Control');
    await page.mouse.click(pane.x + 300, pane.y + 500);
    await page.keyboard.up('Control');
    await page.waitForSelector('[role=dialog][aria-label="Add a node"]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[role=dialog][aria-label="Add a node"]', { state: 'detached' });
    // drag the unwired function node onto the wire: spliced in too
    const w2 = await page.locator('.react-flow__edge[data-id="si:0>sd"] path').first().boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(w2.x + w2.width / 2, w2.y + w2.height / 2, { steps: 10 });
    await page.mouse.up();
    const fid = await fn.getAttribute('data-id');
    await page.waitForSelector(`.react-flow__edge[data-id="${fid}:0>sd"]`);
    await page.waitForSelector(`.react-flow__edge[data-id="si:0>${fid}"]`);
  } finally {
    await page.close();
    await fg.stop();
  }
});

/** until waits for cond, polled every 50 ms, at most ms. */
async function until(cond, ms, what) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** storeReadings writes readings through /api/data (with a bearer token when given). */
async function storeReadings(url, readings, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(url + 'api/data', { method: 'POST', headers, body: JSON.stringify(readings) });
  if (r.status !== 201) throw new Error(`POST /api/data: ${r.status} ${await r.text()}`);
}

/** chartPoints waits until the chart has drawn want points. */
async function chartPoints(page, want, timeout = 10000) {
  await page.waitForSelector(`.fg-chart[data-points="${want}"]`, { timeout }).catch(async () => {
    const got = await page.locator('.fg-chart').getAttribute('data-points').catch(() => 'no chart');
    throw new Error(`chart has ${got} points, want ${want}`);
  });
}

test('data tab: stored topics listed, chart of several topics with the right points, zoom, CSV of the window, live, show data', async () => {
  const { fg, page } = await open();
  try {
    const now = Date.now();
    // 120 readings of two fields over the last 40 minutes, 60 of a plain number
    const temp = Array.from({ length: 120 }, (_, i) => ({ topic: 'e2e/temp', payload: { t: 20 + Math.sin(i / 10) * 3, h: 40 + (i % 7) }, ts: now - (120 - i) * 20000 }));
    const door = Array.from({ length: 60 }, (_, i) => ({ topic: 'e2e/door', payload: i % 2, ts: now - (60 - i) * 40000 }));
    const old = [{ topic: 'e2e/temp', payload: { t: 1, h: 1 }, ts: now - 2 * 3600_000 }]; // outside the last hour
    await storeReadings(fg.url, [...old, ...temp, ...door, { topic: 'e2e/text', payload: 'hello', ts: now }]);

    const chunks = [];
    page.on('request', (r) => /\/assets\/DataTab-.*\.js$/.test(r.url()) && chunks.push(r.url()));
    // what the editor's websockets receive (the tab's own carries data/<topic>)
    const frames = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.length < 10000 && frames.push(String(f.payload))));
    assert(chunks.length === 0, 'the chart code loaded before the data tab opened');
    await page.click('.fg-sidebar nav button:has-text("data")');
    const row = page.locator('.fg-data-topics li[data-topic="e2e/temp"]');
    await row.waitFor({ timeout: 5000 });
    const last = await row.locator('.fg-data-last').textContent();
    assert(last.includes('"h":'), `last value of e2e/temp: ${last}`);
    const listed = async (filter, want) => {
      await page.fill('input[aria-label="filter topics"]', filter);
      const ok = await page
        .waitForFunction((n) => document.querySelectorAll('.fg-data-topics li[data-topic]').length === n, want, { timeout: 3000 })
        .catch(() => false);
      assert(ok, `filter ${JSON.stringify(filter)}: ${await page.locator('.fg-data-topics li[data-topic]').count()} topics listed, want ${want}`);
    };
    await listed('', 3);
    await listed('e2e/+', 3);
    await listed('TEM', 1);
    await listed('e2e/x/#', 0);
    await listed('', 3);

    // one topic: its two fields, the reading older than an hour not drawn
    await row.locator('input[type=checkbox]').check();
    await chartPoints(page, 240);
    assert(chunks.length === 1, `chart chunks loaded: ${chunks.length}`);
    // several topics on one chart
    await page.locator('.fg-data-topics li[data-topic="e2e/door"] input[type=checkbox]').check();
    await chartPoints(page, 300);
    const labels = await page.$$eval('.fg-chart .u-legend .u-series .u-label', (ls) => ls.map((l) => l.textContent));
    assert(['e2e/temp t', 'e2e/temp h', 'e2e/door'].every((l) => labels.includes(l)), `legend: ${labels}`);
    // hover gives values in the legend
    const over = await page.locator('.fg-chart .u-over').boundingBox();
    await page.mouse.move(over.x + over.width * 0.9, over.y + over.height / 2);
    const value = await page.locator('.fg-chart .u-legend .u-series:has-text("e2e/temp t") .u-value').textContent();
    assert(/\d/.test(value), `no value under the pointer: ${value}`);
    await readmeShot(page, 'data-tab.png');

    // drag to zoom into the middle half
    const span = async () => {
      const c = page.locator('.fg-chart');
      return [Number(await c.getAttribute('data-min')), Number(await c.getAttribute('data-max'))];
    };
    const [min0, max0] = await span();
    await page.mouse.move(over.x + over.width * 0.25, over.y + 40);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.5, over.y + 40, { steps: 4 });
    await page.mouse.move(over.x + over.width * 0.75, over.y + 40, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('button:has-text("reset zoom")', { timeout: 3000 });
    const [min1, max1] = await span();
    assert(min1 > min0 && max1 < max0 && max1 - min1 < (max0 - min0) * 0.6, `zoom: ${min0}-${max0} to ${min1}-${max1}`);
    // the wheel zooms out again at the pointer
    await page.mouse.move(over.x + over.width / 2, over.y + 40);
    await page.mouse.wheel(0, 100);
    await page.waitForFunction((w) => {
      const c = document.querySelector('.fg-chart');
      return Number(c.dataset.max) - Number(c.dataset.min) > w;
    }, max1 - min1);
    const [minW, maxW] = await span();
    // shift-drag pans: the window keeps its width and moves back in time
    await page.keyboard.down('Shift');
    await page.mouse.move(over.x + over.width * 0.4, over.y + 40);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.5, over.y + 40, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const [min2, max2] = await span();
    assert(min2 < minW && max2 < maxW && Math.abs(max2 - min2 - (maxW - minW)) <= 2, `pan: ${minW}-${maxW} to ${min2}-${max2}`);

    // CSV of the shown window: every point in it, by time
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("export CSV")')]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
    const inWindow = (ts) => ts >= min2 && ts <= max2;
    const want = temp.filter((r) => inWindow(r.ts)).length * 2 + door.filter((r) => inWindow(r.ts)).length;
    assert(csv[0] === 'time,ts,topic,field,value', `CSV header ${csv[0]}`);
    assert(csv.length - 1 === want && want > 0 && want < 300, `CSV has ${csv.length - 1} rows, want ${want}`);
    assert(/^\d{4}-\d\d-\d\dT[\d:.]+Z,\d+,e2e\/(temp,[th]|door,),[\d.]+$/.test(csv[1]), `CSV row ${csv[1]}`);

    // live: a new reading is pushed on the tab's /comms (data/<topic>) and
    // drawn without a reload, the zoom stays
    const liveTs = Date.now();
    await storeReadings(fg.url, [{ topic: 'e2e/door', payload: 1, ts: liveTs }]);
    await until(() => frames.some((f) => f.includes('"topic":"data/e2e/door"') && f.includes(`"ts":${liveTs}`)), 5000, 'no data/e2e/door frame on /comms');
    await chartPoints(page, 301);
    const [min3, max3] = await span();
    assert(min3 === min2 && max3 === max2, 'a live update reset the zoom');

    // a week is charted from the store's roll-ups: one point per 15 minutes with readings
    await page.click('.fg-data-range button:has-text("last week")');
    await page.waitForSelector('.fg-data-count:has-text("averages per 15 min")', { timeout: 5000 });
    const buckets = (tss) => new Set(tss.map((t) => Math.floor(t / 900_000))).size;
    const tempTs = [...old, ...temp].map((r) => r.ts);
    await chartPoints(page, 2 * buckets(tempTs) + buckets([...door.map((r) => r.ts), liveTs]));

    // show data from a store in node's context menu
    await deployFlows(fg.url, [
      { id: 'tab1', type: 'tab', label: 'Data' },
      { id: 'inj', type: 'inject', z: 'tab1', x: 120, y: 80, props: [{ p: 'payload' }], payload: '42', payloadType: 'num', once: true, onceDelay: 0.1, wires: [['st']] },
      { id: 'st', type: 'store in', z: 'tab1', x: 320, y: 80, topic: 'e2e/flow', flush: 100, wires: [] },
    ]);
    await page.reload();
    await page.waitForSelector(nodeSel('store in'));
    await page.locator(nodeSel('store in')).click({ button: 'right' });
    await page.click('[role=menu][aria-label="context menu"] li:has-text("Show data")');
    await page.waitForSelector('.fg-data-topics li.on[data-topic="e2e/flow"]', { timeout: 5000 });
    assert((await page.inputValue('input[aria-label="filter topics"]')) === 'e2e/flow', 'filter not set to the node topic');
    await chartPoints(page, 1);
    assert((await page.locator('.fg-context').count()) === 0, 'context menu still open');
  } finally {
    await page.close();
    await fg.stop();
  }
});

test('data tab: a read-only user may look', async () => {
  const hash = execFileSync(bin, ['hash-password'], { input: 'secret\n' }).toString().trim();
  const fg = await startFlowgate({
    settings: `adminAuth:\n  type: credentials\n  users:\n    - {username: admin, password: "${hash}", permissions: "*"}\n    - {username: viewer, password: "${hash}", permissions: "read"}\n`,
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.error('  page error:', e.message));
  try {
    const token = async (username) => {
      const body = new URLSearchParams({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username, password: 'secret' });
      return (await (await fetch(fg.url + 'auth/token', { method: 'POST', body })).json()).access_token;
    };
    await storeReadings(fg.url, [1, 2, 3].map((v, i) => ({ topic: 'ro/temp', payload: v, ts: Date.now() - i * 1000 })), await token('admin'));
    const viewer = await token('viewer');
    const refused = await fetch(fg.url + 'api/data', { method: 'POST', headers: { Authorization: `Bearer ${viewer}` }, body: '{"topic":"x","payload":1}' });
    assert(refused.status === 403, `a read-only user stored a reading: ${refused.status}`);
    await page.goto(fg.url);
    await page.fill('input[name="username"]', 'viewer');
    await page.fill('input[name="password"]', 'secret');
    await page.click('button:has-text("Login")');
    await page.waitForSelector('.fg-node');
    await page.click('.fg-sidebar nav button:has-text("data")');
    await page.locator('.fg-data-topics li[data-topic="ro/temp"] input[type=checkbox]').check({ timeout: 5000 });
    await chartPoints(page, 3);
  } finally {
    await page.close();
    await fg.stop();
  }
});

let passed = 0;
let failed = 0;
// E2E_ONLY=regexp runs the tests whose names match
const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
for (const t of tests) {
  if (only && !only.test(t.name)) continue;
  const t0 = Date.now();
  try {
    await t.fn();
    passed++;
    console.log(`ok   ${t.name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}: ${e.message}`);
  }
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
