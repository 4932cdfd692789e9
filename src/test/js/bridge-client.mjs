// Drives agentbus's SockJS event-bus bridge with the real, unmodified client
// (@vertx/eventbus-bridge-client.js over sockjs-client), for dev.agentbus.bridge.SockJsBridgeTest.
//
//   node bridge-client.mjs '<json>'   json: {url, key, session, foreign_session, mode: "full" | "connect"}
//
// Prints one JSON object per line on stdout: {"ready": true} once its subscription is live (the
// Java test then publishes an event through REST), and finally {"result": {...}}. Exits 0 when it
// could report, 1 on its own deadline or an unexpected failure.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const config = JSON.parse(process.argv[2]);
const STEP_MS = 10_000;
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const deadline = setTimeout(() => {
  print({ error: 'deadline' });
  process.exit(1);
}, 60_000);

const events = (session) => `agentbus.session.${session}.events`;
const url = config.key ? `${config.url}?access_token=${encodeURIComponent(config.key)}` : config.url;

/** A promise of `executor` that rejects, naming the step, after `ms`. */
function timed(step, executor, ms = STEP_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout: ${step}`)), ms);
    executor((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

/** A send's outcome: {reply} or {error: {failureCode, failureType, code, message, details}}. */
function request(eb, address, body) {
  return timed(`send ${address}`, (resolve) => eb.send(address, body, {}, (err, message) => {
    resolve(err ? { error: failure(err) } : { reply: message.body });
  }));
}

/** The error a failed reply carries: the HTTP status and the agentbus error JSON in `message`. */
function failure(err) {
  let envelope = {};
  try { envelope = JSON.parse(err.message); } catch { envelope = { message: err.message }; }
  return { failureCode: err.failureCode, failureType: err.failureType, ...envelope };
}

function connect() {
  const eb = new EventBus(url);
  const unhandled = [];
  eb.onerror = (err) => unhandled.push(err);
  return timed('connect', (resolve) => {
    eb.onopen = () => resolve({ eb, opened: true, unhandled });
    eb.onclose = (e) => resolve({ eb, opened: false, closeCode: e && e.code, closeReason: e && e.reason, unhandled });
  });
}

async function connectOnly() {
  const { eb, opened, closeCode, closeReason } = await connect();
  if (opened) eb.close();
  return { opened, closeCode, closeReason };
}

async function full() {
  const result = {};
  const { eb, opened, unhandled } = await connect();
  result.opened = opened;
  if (!opened) return result;

  // Every event of the session that arrives through the registration, in order.
  const received = [];
  const waiters = [];
  eb.registerHandler(events(config.session), (err, message) => {
    if (err) { received.push({ error: failure(err) }); return; }
    received.push(message.body);
    waiters.splice(0).forEach((check) => check());
  });
  const arrival = (step, test, ms) => timed(step, (resolve) => {
    const check = () => {
      const found = received.find((event) => event && !event.error && test(event));
      if (found) resolve(found); else waiters.push(check);
    };
    check();
  }, ms);

  // The registration is checked asynchronously and the client hears nothing when it takes effect:
  // publish probes through the bridge until one comes back through the registration.
  let probe = null;
  for (let n = 1; !probe && n <= 40; n++) {
    const published = await request(eb, 'agentbus.bridge.publish',
      { session_id: config.session, event_type: 'bridge.probe', data: { n }, metadata: { from: 'node' } });
    if (published.error) { result.publish = published; break; }
    result.publish = published;
    probe = await arrival('probe', (event) => event.event_type === 'bridge.probe', 500).catch(() => null);
  }
  result.probe = probe;
  print({ ready: true });

  result.live = await arrival('live event', (event) => event.event_type === 'rest.note');

  result.command = await request(eb, 'agentbus.bridge.command',
    { session_id: config.session, command_type: 'echo', parameters: { text: 'over the bridge' }, metadata: { priority: 'high' } });
  const commandId = result.command.reply && result.command.reply.command_id;
  result.completed = commandId ? await arrival('command.completed',
    (event) => event.event_type === 'command.completed' && event.command_id === commandId) : null;

  result.invalid = await request(eb, 'agentbus.bridge.command', { session_id: config.session, command_type: 42, colour: 'red' });
  result.invalidEvent = await request(eb, 'agentbus.bridge.publish', { session_id: config.session, event_type: 'command.fake' });
  result.notObject = await request(eb, 'agentbus.bridge.command', 'just a string');
  result.foreignCommand = await request(eb, 'agentbus.bridge.command',
    { session_id: config.foreign_session, command_type: 'echo', parameters: {} });
  result.internal = await request(eb, 'agentbus.command.submit',
    { session_id: config.session, command_type: 'echo', parameters: {} });
  result.random = await request(eb, 'some.random.address', { hello: 'world' });

  // Registrations refused: another tenant's session, an internal address.
  result.foreignRegister = await timed('foreign register', (resolve) =>
    eb.registerHandler(events(config.foreign_session), (err, message) => resolve(err ? { error: failure(err) } : { message: message.body })));
  result.internalRegister = await timed('internal register', (resolve) =>
    eb.registerHandler('agentbus.command.submit', (err, message) => resolve(err ? { error: failure(err) } : { message: message.body })));

  result.foreignEvents = received.filter((event) => event && event.session_id && event.session_id !== config.session).length;
  result.unhandled = unhandled.map((err) => err.body || err.message || String(err));
  eb.close();
  return result;
}

try {
  const result = config.mode === 'connect' ? await connectOnly() : await full();
  print({ result });
  clearTimeout(deadline);
  process.exit(0);
} catch (e) {
  print({ error: String(e && e.message || e) });
  process.exit(1);
}
