// The console's HTTP client: the pasted key (sessionStorage), JSON calls that turn the API's
// error envelope into an ApiError, and Server-Sent Events read through fetch (so the key travels
// as Authorization: Bearer, never in a URL, and a resume sends Last-Event-ID).

const KEY = 'agentbus.apiKey';
export const BASE = '/api/v1';

export function apiKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY, key);
  } else {
    sessionStorage.removeItem(KEY);
  }
}

/** An API failure: the envelope's code, message and details, and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const key = apiKey();
  if (key) {
    h.Authorization = 'Bearer ' + key;
  }
  return h;
}

async function failure(response) {
  let envelope = null;
  try {
    envelope = await response.json();
  } catch (e) {
    // not JSON: fall through
  }
  const error = envelope && envelope.error;
  if (error && error.code) {
    return new ApiError(response.status, error.code, error.message || '', error.details);
  }
  return new ApiError(response.status, 'HTTP_' + response.status, response.statusText || 'Request failed', {});
}

/** One JSON call; path is below /api/v1 unless it starts with '/health'. Resolves to the body. */
export async function call(method, path, body, signal) {
  const url = path.startsWith('/health') ? path : BASE + path;
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError(0, 'NETWORK_ERROR', 'The node could not be reached: ' + e.message, {});
  }
  if (!response.ok && !(path.startsWith('/health') && response.status === 503)) {
    throw await failure(response);
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Opens an SSE stream with fetch and calls onBlock({id, event, data}) per block (data parsed as
 * JSON when it is). Resolves when the server ends the stream; rejects on a network failure or
 * abort; rejects with an ApiError when the server refuses it.
 */
export async function stream(method, path, { body, lastEventId, signal, onOpen, onBlock }) {
  const extra = { Accept: 'text/event-stream' };
  if (body !== undefined) {
    extra['Content-Type'] = 'application/json';
  }
  if (lastEventId) {
    extra['Last-Event-ID'] = String(lastEventId);
  }
  const init = { method, headers: headers(extra), signal, cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError(0, 'NETWORK_ERROR', 'The node could not be reached: ' + e.message, {});
  }
  if (!response.ok) {
    throw await failure(response);
  }
  if (onOpen) {
    onOpen(response);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseBlock(block);
      if (parsed) {
        onBlock(parsed);
      }
    }
  }
}

function parseBlock(block) {
  let id = null;
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) {
      continue; // a comment (keep-alive)
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'id') {
      id = value;
    } else if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  if (!data.length) {
    return null; // retry: hints and comments
  }
  const text = data.join('\n');
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // plain text data
  }
  return { id, event, data: parsed };
}
