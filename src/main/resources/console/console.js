// The agentbus web console: plain ES modules, no build step, nothing fetched but this node's API.
import { ApiError, apiKey, call, setApiKey, stream } from './api.js';

const $ = (id) => document.getElementById(id);
const FINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out']);
const MAX_LOG = 500;

/** A DOM element: el('li', {class: 'x', 'aria-label': 'y'}, 'text', child, ...). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'text') {
      node.textContent = value;
    } else {
      node.setAttribute(name, value === true ? '' : value);
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function json(value) {
  return JSON.stringify(value, null, 2);
}

function when(iso) {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return isNaN(date) ? iso : date.toLocaleString();
}

// ---------------------------------------------------------------- errors

/** Shows an API failure (the envelope's code and message) until dismissed. */
function showError(error, context) {
  if (error && error.name === 'AbortError') {
    return;
  }
  const code = error instanceof ApiError ? error.code : 'CONSOLE_ERROR';
  const message = error && error.message ? error.message : String(error);
  const field = error instanceof ApiError && error.details
    ? error.details.field || (Array.isArray(error.details.errors) ? error.details.errors.map((e) => e.field).join(', ') : '')
    : '';
  const box = $('errors');
  const item = el('div', { class: 'error', role: 'alert' },
    el('p', {}, el('strong', { class: 'code', text: code }), context ? ` ${context}: ` : ' ', message,
      field ? el('span', { class: 'muted', text: ` (field: ${field})` }) : null),
    el('button', { type: 'button', class: 'secondary small', 'aria-label': `Dismiss error ${code}`, onclick: () => item.remove() }, 'Dismiss'));
  box.append(item);
  while (box.children.length > 4) {
    box.firstElementChild.remove();
  }
}

/** Replaces a node's children, skipping the absent ones (replaceChildren would print "null"). */
function fillWith(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
}

/** Runs an async action from a form or button, disabling it meanwhile; failures are shown. */
async function busy(control, context, action) {
  if (control) {
    control.disabled = true;
  }
  try {
    return await action();
  } catch (error) {
    showError(error, context);
    return undefined;
  } finally {
    if (control) {
      control.disabled = false;
    }
  }
}

function parseObject(text, field) {
  const trimmed = text.trim();
  if (!trimmed) {
    return {};
  }
  let value;
  try {
    value = JSON.parse(trimmed);
  } catch (e) {
    throw new ApiError(0, 'INVALID_JSON', `${field} is not valid JSON: ${e.message}`, { field });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError(0, 'INVALID_JSON', `${field} must be a JSON object`, { field });
  }
  return value;
}

// ---------------------------------------------------------------- access

async function checkAccess() {
  const state = $('auth-state');
  const keyed = Boolean(apiKey());
  try {
    await call('GET', '/sessions?limit=1');
    state.textContent = keyed ? 'Using the pasted API key.' : 'Protected mode: acting as the local principal (no key needed).';
    state.dataset.state = keyed ? 'key' : 'protected';
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'PROTECTED_MODE') {
      state.textContent = 'Protected mode: this node serves only its own machine (loopback). ' + error.message;
      state.dataset.state = 'refused';
      return false;
    }
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      state.textContent = keyed ? `The pasted key is refused (${error.code}).` : 'Authentication is on: paste an API key.';
      state.dataset.state = 'refused';
      return false;
    }
    state.textContent = `Cannot check access (${error.code || error.message}).`;
    state.dataset.state = 'error';
    return false;
  }
}

function setupAuth() {
  $('api-key').value = '';
  $('auth-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    setApiKey($('api-key').value.trim());
    $('api-key').value = '';
    await refreshAll();
  });
  $('forget-key').addEventListener('click', async () => {
    setApiKey('');
    $('api-key').value = '';
    await refreshAll();
  });
}

async function refreshAll() {
  if (await checkAccess()) {
    await refreshSessions();
    const view = currentView();
    if (view === 'registry') {
      await refreshRegistry();
    } else if (view === 'system') {
      await refreshSystem();
    }
  }
  if (openSession) {
    liveLog.restart();
  }
}

// ---------------------------------------------------------------- views

const VIEWS = ['sessions', 'chat', 'registry', 'system'];

function currentView() {
  const name = location.hash.replace('#', '');
  return VIEWS.includes(name) ? name : 'sessions';
}

function showView() {
  const view = currentView();
  for (const section of document.querySelectorAll('section.view')) {
    section.hidden = section.dataset.view !== view;
  }
  for (const link of document.querySelectorAll('nav a[data-view]')) {
    if (link.dataset.view === view) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  if (view === 'registry') {
    refreshRegistry();
  } else if (view === 'system') {
    refreshSystem();
  }
}

// ---------------------------------------------------------------- sessions

let openSession = null;

async function refreshSessions() {
  const page = await busy($('refresh-sessions'), 'Listing sessions', () => call('GET', '/sessions?limit=50&sort=-created_at'));
  if (!page) {
    return;
  }
  const list = $('session-list');
  list.replaceChildren(...page.data.map((session) => {
    const label = session.name || session.session_id;
    return el('li', { class: session.session_id === openSession?.session_id ? 'item stacked selected' : 'item stacked', 'data-session-id': session.session_id },
      el('div', { class: 'item-main' },
        el('strong', { text: label }),
        el('code', { class: 'muted', text: session.session_id }),
        el('span', { class: 'muted small', text: `${session.status} · ${when(session.created_at)}` })),
      el('div', { class: 'item-actions' },
        el('button', { type: 'button', 'aria-label': `Open session ${label}`, onclick: () => openSessionView(session) }, 'Open'),
        el('button', { type: 'button', class: 'danger', 'aria-label': `Delete session ${label}`,
          onclick: (event) => deleteSession(session, event.currentTarget) }, 'Delete')));
  }));
  $('session-list-empty').hidden = page.data.length > 0;
}

async function deleteSession(session, button) {
  if (!confirm(`Delete session ${session.name || session.session_id}? Its events, commands, handlers and tools go too.`)) {
    return;
  }
  const done = await busy(button, 'Deleting the session', () => call('DELETE', `/sessions/${encodeURIComponent(session.session_id)}`));
  if (done !== undefined) {
    if (openSession?.session_id === session.session_id) {
      closeSessionView();
    }
    await refreshSessions();
  }
}

function openSessionView(session) {
  openSession = session;
  $('session-detail').hidden = false;
  $('detail-title').textContent = `Session ${session.name || ''}`.trim();
  $('detail-id').textContent = session.session_id;
  $('command-result').replaceChildren();
  $('publish-result').replaceChildren();
  for (const item of document.querySelectorAll('#session-list li')) {
    item.classList.toggle('selected', item.dataset.sessionId === session.session_id);
  }
  liveLog.open(session.session_id);
  $('detail-title').setAttribute('tabindex', '-1');
  $('detail-title').focus();
}

function closeSessionView() {
  liveLog.close();
  openSession = null;
  $('session-detail').hidden = true;
  for (const item of document.querySelectorAll('#session-list li.selected')) {
    item.classList.remove('selected');
  }
}

/**
 * A session's live event log over SSE. It resumes after the last seq it showed (Last-Event-ID),
 * so a reconnect — the server ended the stream, the network dropped, the tab went offline and
 * back — shows nothing twice and misses nothing.
 */
class LiveLog {
  constructor() {
    this.sessionId = null;
    this.lastSeq = 0;
    this.reconnects = 0;
    this.controller = null;
    this.generation = 0;
    window.addEventListener('offline', () => {
      if (this.controller) {
        this.controller.abort();
      }
    });
    window.addEventListener('online', () => this.wake && this.wake());
  }

  open(sessionId) {
    this.close();
    this.sessionId = sessionId;
    this.lastSeq = 0;
    this.reconnects = 0;
    $('event-log').replaceChildren();
    $('event-log').dataset.lastSeq = '0';
    $('event-log-empty').hidden = false;
    $('stream-reconnects').textContent = '0';
    this.run(++this.generation);
  }

  /** Reconnects now (e.g. the key changed), keeping what was shown. */
  restart() {
    if (!this.sessionId) {
      return;
    }
    if (this.controller) {
      this.controller.abort();
    }
    this.run(++this.generation);
  }

  close() {
    this.generation++;
    this.sessionId = null;
    if (this.controller) {
      this.controller.abort();
    }
    this.state('idle');
  }

  state(text) {
    $('stream-state').textContent = text;
    $('stream-state').dataset.state = text;
  }

  async run(generation) {
    let failures = 0;
    while (generation === this.generation) {
      if (!navigator.onLine) {
        this.state('offline');
        await new Promise((resolve) => { this.wake = resolve; });
        this.wake = null;
        continue;
      }
      this.controller = new AbortController();
      this.state(this.lastSeq > 0 || this.reconnects > 0 ? 'reconnecting' : 'connecting');
      let stop = false;
      try {
        await stream('GET', `/sessions/${encodeURIComponent(this.sessionId)}/events/sse`, {
          lastEventId: this.lastSeq > 0 ? this.lastSeq : null,
          signal: this.controller.signal,
          onOpen: () => { failures = 0; this.state('live'); },
          onBlock: (block) => {
            if (generation !== this.generation) {
              return;
            }
            if (block.event === 'server.shutdown' || block.event === 'error') {
              return; // the stream ends next: resume from lastSeq
            }
            this.append(block.data);
            if (block.event === 'session.deleted') {
              stop = true;
            }
          },
        });
      } catch (error) {
        if (generation !== this.generation) {
          return;
        }
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          showError(error, 'Live events');
          this.state(`stopped: ${error.code}`);
          return;
        }
      }
      if (generation !== this.generation) {
        return;
      }
      if (stop) {
        this.state('ended: session deleted');
        return;
      }
      this.reconnects++;
      $('stream-reconnects').textContent = String(this.reconnects);
      this.state('reconnecting');
      failures++;
      const delay = Math.min(250 * 2 ** Math.min(failures - 1, 6), 10000);
      await new Promise((resolve) => { this.wake = resolve; setTimeout(resolve, delay); });
      this.wake = null;
    }
  }

  append(event) {
    if (!event || typeof event.seq !== 'number' || event.seq <= this.lastSeq) {
      return; // already shown: a resume never duplicates
    }
    this.lastSeq = event.seq;
    const log = $('event-log');
    log.dataset.lastSeq = String(event.seq);
    $('event-log-empty').hidden = true;
    const data = event.data === undefined ? {} : event.data;
    log.append(el('li', { class: 'event', 'data-seq': event.seq, 'data-type': event.event_type },
      el('div', { class: 'event-head' },
        el('span', { class: 'seq', text: `#${event.seq}` }),
        el('strong', { class: 'type', text: event.event_type }),
        el('time', { datetime: event.created_at, class: 'muted small', text: when(event.created_at) })),
      el('pre', { class: 'data', text: JSON.stringify(data) })));
    while (log.children.length > MAX_LOG) {
      log.firstElementChild.remove();
    }
    const near = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
    if (near) {
      log.scrollTop = log.scrollHeight;
    }
  }
}

const liveLog = new LiveLog();

function setupSessions() {
  $('create-session').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('session-name').value.trim();
    const body = name ? { name } : {};
    const created = await busy(event.submitter, 'Creating a session', () => call('POST', '/sessions', body));
    if (created) {
      $('session-name').value = '';
      await refreshSessions();
      openSessionView(created);
    }
  });
  $('refresh-sessions').addEventListener('click', refreshSessions);
  $('close-session').addEventListener('click', closeSessionView);

  $('publish-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const session = openSession;
    const out = $('publish-result');
    const published = await busy(event.submitter, 'Publishing the event', () => call('POST',
      `/sessions/${encodeURIComponent(session.session_id)}/events`,
      { event_type: $('event-type').value.trim(), data: parseObject($('event-data').value, 'data') }));
    out.textContent = published ? `Stored as #${published.seq} (${published.event_id}).` : '';
  });

  $('command-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const session = openSession;
    const out = $('command-result');
    const button = event.submitter;
    await busy(button, 'Submitting the command', async () => {
      const body = { command_type: $('command-type').value.trim(), parameters: parseObject($('command-parameters').value, 'parameters') };
      const base = `/sessions/${encodeURIComponent(session.session_id)}/commands`;
      let command = await call('POST', `${base}?wait=10`, body);
      showCommand(out, command);
      const deadline = Date.now() + 5 * 60 * 1000;
      while (!FINAL.has(command.status) && Date.now() < deadline && openSession === session) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        command = await call('GET', `${base}/${encodeURIComponent(command.command_id)}`);
        showCommand(out, command);
      }
    });
  });
}

function showCommand(out, command) {
  fillWith(out,
    el('p', {}, el('span', { class: `badge status-${command.status}`, 'data-status': command.status, text: command.status }), ' ',
      el('code', { text: command.command_id })),
    command.error ? el('p', { class: 'error-text' }, el('strong', { text: command.error.code }), ' ', command.error.message) : null,
    command.result !== null && command.result !== undefined ? el('pre', { class: 'raw', text: json(command.result) }) : null);
}

// ---------------------------------------------------------------- chat

let threadId = null;

function setupChat() {
  $('new-thread').addEventListener('click', (event) => busy(event.currentTarget, 'Starting a thread', newThread));
  $('chat-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const content = $('chat-message').value.trim();
    if (!content) {
      return;
    }
    await busy(event.submitter, 'Chat', async () => {
      if (!threadId) {
        await newThread();
      }
      $('chat-message').value = '';
      await sendChat(content);
    });
  });
  // Enter sends, Shift+Enter is a new line.
  $('chat-message').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('chat-form').requestSubmit();
    }
  });
}

async function newThread() {
  const thread = await call('POST', '/chat', { user_id: 'console' });
  threadId = thread.thread_id;
  $('thread-id').textContent = threadId;
  $('transcript').replaceChildren();
  $('chat-state').textContent = '';
}

async function sendChat(content) {
  const transcript = $('transcript');
  transcript.append(el('li', { class: 'bubble user' }, el('span', { class: 'who', text: 'You' }), el('p', { text: content })));
  const answer = el('p', { class: 'answer', 'data-streaming': 'true' });
  const extras = el('ul', { class: 'extras' });
  const bubble = el('li', { class: 'bubble assistant', 'aria-busy': 'true' }, el('span', { class: 'who', text: 'Assistant' }), extras, answer);
  transcript.append(bubble);
  $('chat-state').textContent = 'Streaming…';
  let status = 'error';
  try {
    await stream('POST', `/chat/${encodeURIComponent(threadId)}/stream`, {
      body: { content },
      onBlock: ({ data }) => {
        switch (data.type) {
          case 'message':
            answer.textContent += data.content || '';
            break;
          case 'reasoning':
            extras.append(el('li', { class: 'muted small', text: `thinking: ${data.content}` }));
            break;
          case 'tool_call':
            extras.append(el('li', { class: 'small', text: `tool call ${data.name}(${data.arguments})` }));
            break;
          case 'tool_result':
            extras.append(el('li', { class: 'small', text: `tool result${data.is_error ? ' (error)' : ''}: ${JSON.stringify(data.result)}` }));
            break;
          case 'error':
            showError(new ApiError(0, data.code || 'ERROR', data.message || 'The run failed', data.details), 'Chat');
            break;
          case 'end_stream':
            status = data.status;
            break;
          default:
            break;
        }
        transcript.scrollTop = transcript.scrollHeight;
      },
    });
  } catch (error) {
    $('chat-state').textContent = `Failed: ${error.code || error.message}.`;
    throw error;
  } finally {
    answer.dataset.streaming = 'false';
    bubble.setAttribute('aria-busy', 'false');
  }
  $('chat-state').textContent = status === 'success' ? 'Done.' : `Ended: ${status}.`;
}

// ---------------------------------------------------------------- registry

function emptyItem(text) {
  return el('li', { class: 'muted empty', text });
}

async function refreshRegistry() {
  await busy($('refresh-registry'), 'Listing tools and handlers', async () => {
    const [tools, commandHandlers, eventHandlers, mcp] = await Promise.allSettled([
      call('GET', '/tools'), call('GET', '/handlers/commands'), call('GET', '/handlers/events'), call('GET', '/mcp-servers')]);
    fill('tool-list', tools, 'No global tools.', (tool) => el('li', { class: 'item' },
      el('div', { class: 'item-main' }, el('strong', { text: tool.name }), el('span', { class: 'muted small', text: tool.description || '' }),
        el('span', { class: 'muted small', text: [tool.scope || 'global', tool.implementation?.kind].filter((x, i, all) => x && all.indexOf(x) === i).join(' · ') })),
      tool.scope === 'builtin' ? null : el('div', { class: 'item-actions' }, el('button', { type: 'button', class: 'danger',
        'aria-label': `Delete tool ${tool.name}`, onclick: (e) => remove(e.currentTarget, `/tools/${encodeURIComponent(tool.name)}`, 'tool') }, 'Delete'))));
    fill('command-handler-list', commandHandlers, 'No global command handlers.', (h) => el('li', { class: 'item' },
      el('div', { class: 'item-main' }, el('strong', { text: h.command_type }), el('span', { class: 'muted small', text: describeHandler(h.handler) })),
      el('div', { class: 'item-actions' }, el('button', { type: 'button', class: 'danger', 'aria-label': `Delete command handler ${h.command_type}`,
        onclick: (e) => remove(e.currentTarget, `/handlers/commands/${encodeURIComponent(h.command_type)}`, 'command handler') }, 'Delete'))));
    fill('event-handler-list', eventHandlers, 'No global event handlers.', (h) => el('li', { class: 'item' },
      el('div', { class: 'item-main' }, el('strong', { text: h.event_type }), el('span', { class: 'muted small', text: describeHandler(h.handler) }),
        el('span', { class: 'muted small', text: `delivered #${h.delivered_seq ?? 0} · pending ${h.pending ?? 0} · failures ${h.failures ?? 0}` })),
      el('div', { class: 'item-actions' }, el('button', { type: 'button', class: 'danger', 'aria-label': `Delete event handler ${h.event_type}`,
        onclick: (e) => remove(e.currentTarget, `/handlers/events/${encodeURIComponent(h.event_type)}`, 'event handler') }, 'Delete'))));
    fill('mcp-list', mcp, 'No MCP servers.', (server) => el('li', { class: 'item' },
      el('div', { class: 'item-main' }, el('strong', { text: server.name }), el('code', { class: 'muted small', text: server.url }),
        el('span', { class: 'muted small', text: `${server.status || ''} · tools: ${(server.tools || []).join(', ') || 'none'}` })),
      el('div', { class: 'item-actions' }, el('button', { type: 'button', class: 'danger', 'aria-label': `Delete MCP server ${server.name}`,
        onclick: (e) => remove(e.currentTarget, `/mcp-servers/${encodeURIComponent(server.server_id)}`, 'MCP server') }, 'Delete'))));
  });
}

function describeHandler(handler) {
  if (!handler) {
    return '';
  }
  return handler.kind === 'bus' ? `bus → ${handler.address}` : `${handler.kind} → ${handler.url || ''}`;
}

const LIST_NAMES = { 'tool-list': 'tools', 'command-handler-list': 'command handlers', 'event-handler-list': 'event handlers', 'mcp-list': 'MCP servers' };

function fill(listId, settled, emptyText, render) {
  const list = $(listId);
  if (settled.status === 'rejected') {
    showError(settled.reason, `Listing ${LIST_NAMES[listId] || listId}`);
    list.replaceChildren(emptyItem(`Could not list: ${settled.reason.code || settled.reason.message}`));
    return;
  }
  const items = settled.value.data || [];
  list.replaceChildren(...(items.length ? items.map(render) : [emptyItem(emptyText)]));
}

async function remove(button, path, what) {
  if (!confirm(`Delete this ${what}?`)) {
    return;
  }
  const done = await busy(button, `Deleting the ${what}`, () => call('DELETE', path));
  if (done !== undefined) {
    await refreshRegistry();
  }
}

function setupRegistry() {
  $('refresh-registry').addEventListener('click', refreshRegistry);
  $('mcp-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const created = await busy(event.submitter, 'Registering the MCP server', () => call('POST', '/mcp-servers',
      { name: $('mcp-name').value.trim(), url: $('mcp-url').value.trim() }));
    if (created) {
      event.target.reset();
      await refreshRegistry();
    }
  });
}

// ---------------------------------------------------------------- status and health

function duration(seconds) {
  if (typeof seconds !== 'number') {
    return undefined;
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

/** A health dependency in a line: its status, then what it says (servers, errors, counts). */
function describeDependency(dep) {
  if (!dep || typeof dep !== 'object') {
    return dep;
  }
  const parts = [dep.status];
  for (const [name, value] of Object.entries(dep)) {
    if (name === 'status' || value === null || typeof value === 'object') {
      continue;
    }
    parts.push(`${name.replace(/_/g, ' ')}: ${value}`);
  }
  return parts.join(' · ');
}

function facts(listId, pairs) {
  $(listId).replaceChildren(...pairs.filter(([, value]) => value !== undefined && value !== null)
    .flatMap(([name, value]) => [el('dt', { text: name }), el('dd', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) })]));
}

async function refreshSystem() {
  await busy($('refresh-system'), 'Reading status and health', async () => {
    const [health, status] = await Promise.allSettled([call('GET', '/health'), call('GET', '/status')]);
    if (health.status === 'fulfilled') {
      const h = health.value;
      $('health-badge').textContent = h.status;
      $('health-badge').dataset.state = h.status;
      const deps = h.dependencies || {};
      facts('health-list', [['Node', h.node_id], ['Version', h.version], ...Object.entries(deps).map(([name, dep]) => [name, describeDependency(dep)])]);
    } else {
      $('health-badge').textContent = 'unknown';
      $('health-badge').dataset.state = 'unknown';
      showError(health.reason, 'Health');
    }
    if (status.status === 'fulfilled') {
      const s = status.value;
      const store = s.store || {};
      facts('status-list', [['Node', s.node_id], ['Version', s.version], ['Started', when(s.started_at)],
        ['Uptime', duration(s.uptime_seconds)], ['Cluster', s.cluster ? `${s.cluster.mode}, ${s.cluster.member_count} member(s)` : undefined],
        ['Open streams (this node)', s.streams?.open], ['Open commands (cluster)', s.commands?.open],
        ['Store', [store.status, store.latency_ms !== undefined ? `${store.latency_ms} ms` : null, store.error].filter((x) => x !== null && x !== undefined).join(' · ')]]);
      const members = s.cluster?.members || [];
      $('member-list').replaceChildren(...(members.length ? members.map((m) => el('li', { class: 'item' },
        el('div', { class: 'item-main' }, el('strong', { text: m.node_id + (m.self ? ' (this node)' : '') }),
          el('span', { class: 'muted small', text: [m.http_address, m.ready ? 'ready' : 'not ready', m.version].filter(Boolean).join(' · ') })))) : [emptyItem('No members listed.')]));
      $('status-raw').textContent = json(s);
    } else {
      facts('status-list', []);
      $('member-list').replaceChildren(emptyItem(`Could not read status: ${status.reason.code || status.reason.message}`));
      showError(status.reason, 'Status (needs metrics:read)');
    }
  });
}

// ---------------------------------------------------------------- start

setupAuth();
setupSessions();
setupChat();
setupRegistry();
$('refresh-system').addEventListener('click', refreshSystem);
window.addEventListener('hashchange', showView);
showView();
refreshAll().finally(() => document.body.setAttribute('data-ready', 'true'));
