// The web console end to end, in headless Chromium driven by playwright-core (run by
// dev.agentbus.http.ConsoleE2eTest). Environment:
//   AGENTBUS_URL      the node, e.g. http://127.0.0.1:8123
//   AGENTBUS_MODE     "protected" (no auth configured) or "key" (auth on; the key is pasted into the console)
//   AGENTBUS_KEY      the API key to paste (mode "key"); the script's own REST calls use it too
//   AGENTBUS_MCP_URL  an MCP server to register through the console
//   SCREENSHOT_DIR    where the screenshots go
// Prints one line "RESULT {json}" and exits 0 when every check held, else prints the failure and exits 1.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const NODE_URL = process.env.AGENTBUS_URL;
const MODE = process.env.AGENTBUS_MODE || 'protected';
const KEY = process.env.AGENTBUS_KEY || '';
const MCP_URL = process.env.AGENTBUS_MCP_URL || '';
const SHOTS = process.env.SCREENSHOT_DIR || 'target/console-screenshots';
const STEP_MS = 15000;
const result = { mode: MODE, steps: [] };

function check(condition, message) {
  if (!condition) {
    throw new Error('check failed: ' + message);
  }
}

function step(name) {
  result.steps.push(name);
  console.log('step: ' + name);
}

/** REST from outside the browser (what another client of the API would do). */
async function rest(method, apiPath, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (KEY) {
    headers.Authorization = 'Bearer ' + KEY;
  }
  const response = await fetch(NODE_URL + '/api/v1' + apiPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${apiPath}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

/** The accessible-name check: every visible control has a name (label, aria-label(ledby), or text). */
async function unnamedControls(page) {
  return page.evaluate(() => {
    const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
    const name = (e) => {
      if (e.getAttribute('aria-label')) return e.getAttribute('aria-label').trim();
      const by = e.getAttribute('aria-labelledby');
      if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
      if (e.labels && e.labels.length) return [...e.labels].map((l) => l.textContent).join(' ').trim();
      if (e.matches('button, a, summary')) return e.textContent.trim();
      return e.getAttribute('title') || '';
    };
    return [...document.querySelectorAll('input, textarea, select, button, a[href], summary')]
      .filter(visible).filter((e) => !name(e)).map((e) => e.outerHTML.slice(0, 120));
  });
}

async function shoot(page, name) {
  const unnamed = await unnamedControls(page);
  check(unnamed.length === 0, `${name}: controls without an accessible name: ${unnamed.join(' | ')}`);
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `${MODE}-${name}-${width}x${height}.png`) });
    if (width < 500) {
      await page.screenshot({ path: path.join(SHOTS, `${MODE}-${name}-${width}x${height}-full.png`), fullPage: true });
    }
    // nothing wider than the screen: no sideways scrolling at either width
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = overflow <= 0 ? [] : await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).slice(0, 8));
    check(overflow <= 0, `${name} at ${width}px scrolls sideways by ${overflow}px: ${wide.join(', ')}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function logEvents(page) {
  return page.$$eval('#event-log li', (items) => items.map((li) => ({
    seq: Number(li.dataset.seq), type: li.dataset.type, data: JSON.parse(li.querySelector('pre').textContent) })));
}

async function waitFor(page, fn, arg, what) {
  try {
    await page.waitForFunction(fn, arg, { timeout: STEP_MS, polling: 50 });
  } catch (e) {
    throw new Error(`timed out waiting for ${what}`);
  }
}

/**
 * A TCP proxy in front of the node: the browser talks to the console through it, so the script can
 * cut every connection (the live log's stream among them) as a network failure would. The page's
 * origin is the proxy's, so the node's same-origin check runs on the Host the browser sent.
 */
function proxy(target) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const [a, b] of [[client, upstream], [upstream, client]]) {
      sockets.add(a);
      a.on('close', () => { sockets.delete(a); b.destroy(); });
      a.on('error', () => b.destroy());
      a.pipe(b);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    cut: () => { const n = sockets.size; for (const s of sockets) s.destroy(); return n; },
    close: () => new Promise((done) => { for (const s of sockets) s.destroy(); server.close(done); }),
  })));
}

let BASE;

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const front = await proxy(new URL(NODE_URL));
  BASE = front.url;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      // (playwright gives the browser a fresh temporary profile itself: no --user-data-dir here)
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    // expected browser messages: the 4xx the test provokes, and the network failures it causes (offline, the cut)
    const expected = /status of 4\d\d|net::ERR_(INCOMPLETE_CHUNKED_ENCODING|INTERNET_DISCONNECTED|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE)/;
    page.on('console', (m) => { if (m.type() === 'error' && !expected.test(m.text())) problems.push('console: ' + m.text()); });
    page.on('dialog', (d) => d.accept());
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(BASE + '/')) external.push(r.url()); });

    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready="true"]', { timeout: STEP_MS });
    const authState = page.locator('#auth-state');

    // ---- access: protected mode, or paste the key (keyboard: type it, Enter)
    if (MODE === 'key') {
      await waitFor(page, () => document.getElementById('auth-state').dataset.state === 'refused', null, 'the console to ask for a key');
      step('without a key the console says authentication is on: ' + await authState.textContent());
      await page.getByLabel('API key').fill(KEY);
      await page.getByLabel('API key').press('Enter');
      await waitFor(page, () => document.getElementById('auth-state').dataset.state === 'key', null, 'the pasted key to be used');
      check(await page.evaluate(() => sessionStorage.getItem('agentbus.apiKey')) === KEY, 'the key is kept in sessionStorage');
      check(await page.getByLabel('API key').inputValue() === '', 'the key field is cleared after use');
      step('pasted key accepted: ' + await authState.textContent());
    } else {
      await waitFor(page, () => document.getElementById('auth-state').dataset.state === 'protected', null, 'protected mode');
      step('protected mode: ' + await authState.textContent());
    }

    // ---- every control is named
    const unnamed = await unnamedControls(page);
    check(unnamed.length === 0, 'controls without an accessible name: ' + unnamed.join(' | '));
    for (const [role, name] of [['button', 'Create session'], ['button', 'Use key'], ['button', 'Refresh sessions'],
      ['link', 'Sessions'], ['link', 'Chat'], ['link', 'Tools & handlers'], ['link', 'Status & health']]) {
      check(await page.getByRole(role, { name, exact: true }).count() === 1, `one ${role} named "${name}"`);
    }
    step('every visible control has an accessible name');

    // ---- create a session with the keyboard only: Tab to the name field, type, Enter
    await page.locator('body').focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'session-name');
    }
    check(reached, 'Tab reaches the session name field');
    const focusRing = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(focusRing !== 'none', 'the focused field shows a focus ring');
    const sessionName = `console-${MODE}-${Date.now()}`;
    await page.keyboard.type(sessionName);
    await page.keyboard.press('Enter');
    await waitFor(page, (n) => document.getElementById('detail-title').textContent.includes(n), sessionName, 'the new session to open');
    const sessionId = (await page.locator('#detail-id').textContent()).trim();
    check(sessionId.startsWith('ses_'), 'a session id is shown: ' + sessionId);
    check(await page.locator('#session-list li', { hasText: sessionName }).count() === 1, 'the session is listed');
    step('session created with the keyboard (Tab, type, Enter): ' + sessionId);

    // ---- the live log: events published through the API appear
    await waitFor(page, () => document.getElementById('stream-state').dataset.state === 'live', null, 'the live log to connect');
    for (let n = 1; n <= 3; n++) {
      await rest('POST', `/sessions/${sessionId}/events`, { event_type: 'console.test', data: { n } });
    }
    await waitFor(page, () => document.querySelectorAll('#event-log li[data-type="console.test"]').length === 3, null, '3 events in the log');
    step('3 events published through the REST API appear in the live log');

    // ---- reconnect: the browser goes offline (the stream is dropped), events are published meanwhile, it comes back
    await context.setOffline(true);
    await waitFor(page, () => document.getElementById('stream-state').dataset.state === 'offline', null, 'the log to go offline');
    for (let n = 4; n <= 6; n++) {
      await rest('POST', `/sessions/${sessionId}/events`, { event_type: 'console.test', data: { n } });
    }
    check(await page.locator('#event-log li[data-type="console.test"]').count() === 3, 'nothing arrives while offline');
    await context.setOffline(false);
    await waitFor(page, () => document.querySelectorAll('#event-log li[data-type="console.test"]').length >= 6
      && document.getElementById('stream-state').dataset.state === 'live', null, 'the log to resume with the missed events');
    const afterOffline = Number(await page.locator('#stream-reconnects').textContent());
    check(afterOffline >= 1, 'the log reconnected after going offline (' + afterOffline + ')');
    step(`back online: the log resumed (${afterOffline} reconnect(s))`);

    // ---- reconnect: the connection is cut under the browser (online all along); an event is published as it reconnects
    const cut = front.cut();
    check(cut > 0, 'there were connections to cut');
    await rest('POST', `/sessions/${sessionId}/events`, { event_type: 'console.test', data: { n: 7 } });
    await waitFor(page, (before) => Number(document.getElementById('stream-reconnects').textContent) > before
      && document.getElementById('stream-state').dataset.state === 'live', afterOffline, 'the log to reconnect after the cut');
    await waitFor(page, () => document.querySelectorAll('#event-log li[data-type="console.test"]').length >= 7, null, 'the 7th event');
    const reconnects = Number(await page.locator('#stream-reconnects').textContent());
    step(`the connection was cut (${cut} sockets): the log reconnected by itself`);
    let events = await logEvents(page);
    const seqs = events.map((e) => e.seq);
    check(new Set(seqs).size === seqs.length, 'no seq twice: ' + seqs);
    check(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'seqs increase: ' + seqs);
    const ns = events.filter((e) => e.type === 'console.test').map((e) => e.data.n);
    check(JSON.stringify(ns) === '[1,2,3,4,5,6,7]', 'each event once, in order: ' + ns);
    const stored = await rest('GET', `/sessions/${sessionId}/events?limit=500`);
    check(JSON.stringify(stored.data.map((e) => e.seq)) === JSON.stringify(seqs), 'the log shows exactly the stored events');
    result.reconnects = reconnects;
    step(`the log resumed after going offline and after a cut (${reconnects} reconnects): seqs ${seqs.join(',')}, no duplicates, none missed`);

    // ---- publish through the console's form
    await page.getByLabel('Event type').fill('console.form');
    await page.getByLabel('Data (JSON object)').fill('{"from": "form"}');
    await page.getByRole('button', { name: 'Publish event' }).click();
    await waitFor(page, () => /Stored as #\d+/.test(document.getElementById('publish-result').textContent), null, 'the publish answer');
    await waitFor(page, () => document.querySelector('#event-log li[data-type="console.form"]') !== null, null, 'the form event in the log');
    step('an event published through the form: ' + await page.locator('#publish-result').textContent());

    // ---- an API error is shown with its code and message (a reserved prefix)
    await page.getByLabel('Event type').fill('session.forged');
    await page.getByRole('button', { name: 'Publish event' }).click();
    await page.waitForSelector('#errors .error', { timeout: STEP_MS });
    const errorText = await page.locator('#errors .error').first().textContent();
    check(/[A-Z_]{5,}/.test(errorText) && errorText.length > 20, 'the error shows a code and message: ' + errorText);
    await shoot(page, 'error');
    await page.getByRole('button', { name: /^Dismiss error/ }).first().click();
    check(await page.locator('#errors .error').count() === 0, 'the error is dismissed');
    step('an API error is shown: ' + errorText.replace('Dismiss', '').trim());

    // ---- a command and its result
    await page.getByLabel('Command type').fill('echo');
    await page.getByLabel('Parameters (JSON object)').fill('{"text": "ping from the console"}');
    await page.getByRole('button', { name: 'Submit command' }).click();
    await waitFor(page, () => document.querySelector('#command-result [data-status="completed"]') !== null, null, 'the command to complete');
    const commandResult = await page.locator('#command-result').textContent();
    check(commandResult.includes('ping from the console'), 'the result is shown: ' + commandResult);
    await waitFor(page, () => document.querySelector('#event-log li[data-type="command.completed"]') !== null, null, 'command.completed in the log');
    step('a command ran and its result is shown');
    await shoot(page, 'sessions');

    // ---- chat: tokens stream (several partial renders before the final answer)
    await page.getByRole('link', { name: 'Chat', exact: true }).click();
    await page.getByRole('button', { name: 'New thread' }).click();
    await waitFor(page, () => document.getElementById('thread-id').textContent.startsWith('ses_'), null, 'a thread');
    const prompt = 'tell me about the bus one two three four five six';
    await page.getByLabel('Message').fill(prompt);
    await page.evaluate(() => {
      window.renders = [];
      new MutationObserver(() => {
        const answers = document.querySelectorAll('#transcript .answer');
        const last = answers[answers.length - 1];
        if (last && last.textContent !== window.renders[window.renders.length - 1]) {
          window.renders.push(last.textContent);
        }
      }).observe(document.getElementById('transcript'), { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('Message').press('Enter');
    await waitFor(page, () => document.getElementById('chat-state').textContent === 'Done.', null, 'the chat to finish');
    const renders = await page.evaluate(() => window.renders);
    const final = await page.locator('#transcript .answer').last().textContent();
    check(final === 'Echo: ' + prompt, 'the final answer: ' + final);
    const partial = renders.filter((r) => r.length > 0 && r !== final);
    check(partial.length >= 3, 'several partial renders before the final one: ' + JSON.stringify(renders));
    check(partial.every((r) => final.startsWith(r)), 'each partial render is a prefix of the answer');
    result.chatRenders = renders.length;
    step(`chat streamed: ${partial.length} partial renders, then "${final}"`);
    await shoot(page, 'chat');

    // ---- tools, handlers, MCP servers: list, register an MCP server, delete a tool
    await page.getByRole('link', { name: 'Tools & handlers', exact: true }).click();
    await waitFor(page, () => document.querySelector('#tool-list li strong')?.textContent === 'console_lookup', null, 'the global tool');
    await waitFor(page, () => document.querySelector('#command-handler-list li strong')?.textContent === 'console.job', null, 'the command handler');
    if (MCP_URL) {
      await page.getByLabel('Server name').fill('everything');
      await page.getByLabel('Server URL (Streamable HTTP)').fill(MCP_URL);
      await page.getByRole('button', { name: 'Register MCP server' }).click();
      await waitFor(page, () => /get-sum/.test(document.getElementById('mcp-list').textContent), null, 'the MCP server and its tools');
      step('MCP server registered through the console: ' + (await page.locator('#mcp-list li').first().textContent()).trim());
    }
    await shoot(page, 'registry');
    await page.getByRole('button', { name: 'Delete tool console_lookup' }).click();
    await waitFor(page, () => !/console_lookup/.test(document.getElementById('tool-list').textContent), null, 'the tool to go');
    step('tools, handlers and MCP servers listed; a tool deleted');

    // ---- status and health
    await page.getByRole('link', { name: 'Status & health', exact: true }).click();
    await waitFor(page, () => ['healthy', 'unhealthy'].includes(document.getElementById('health-badge').textContent)
      && document.querySelectorAll('#status-list dt').length > 0, null, 'status and health');
    const health = await page.locator('#health-badge').textContent();
    const node = await page.locator('#status-list dd').first().textContent();
    check(health === 'healthy', 'the node is healthy: ' + health);
    check(await page.locator('#member-list li').count() >= 1, 'cluster members are listed');
    step(`status and health visible: health ${health}, node ${node}`);
    await shoot(page, 'system');

    // ---- back to sessions: delete the session through the console
    await page.getByRole('link', { name: 'Sessions', exact: true }).click();
    await page.getByRole('button', { name: 'Delete session ' + sessionName }).click();
    await waitFor(page, (n) => ![...document.querySelectorAll('#session-list li')].some((li) => li.textContent.includes(n)),
      sessionName, 'the session to be deleted');
    check(await page.locator('#session-detail').isHidden(), 'the deleted session is closed');
    step('the session was deleted through the console');

    check(external.length === 0, 'nothing fetched from another origin: ' + external.join(', '));
    check(problems.length === 0, 'no page errors: ' + problems.join(' | '));
  } finally {
    await browser.close();
    await front.close();
  }
}

main().then(() => {
  console.log('RESULT ' + JSON.stringify({ ok: true, ...result }));
  process.exit(0);
}, (error) => {
  console.log('RESULT ' + JSON.stringify({ ok: false, error: String(error && error.stack || error), ...result }));
  process.exit(1);
});
