// The one place the page's behaviours listen through, so that each module says what it
// reacts to in one line, and tells the others what happened without inventing DOM events.

// A DOM or htmx event from (or from inside) an element matching `selector`.
export function on(type, selector, handler, options) {
  document.addEventListener(type, (event) => {
    const element = event.target instanceof Element ? event.target.closest(selector) : null;
    if (element) handler(event, element);
  }, options);
}

// An htmx request event of an element matching `selector` exactly. The request's own
// element counts, even once a swap took it out of the page: htmx then fires the event on a
// surviving parent and names that parent in detail.elt.
export function onRequest(type, selector, handler) {
  document.addEventListener(type, (event) => {
    const element = event.detail?.requestConfig?.elt ?? event.detail?.elt;
    if (element instanceof Element && element.matches(selector)) handler(event, element);
  });
}

// The element htmx just swapped in and settled, when it matches `selector` exactly.
export function onSettle(selector, handler) {
  document.addEventListener("htmx:afterSettle", (event) => {
    const element = event.detail?.elt;
    if (element instanceof Element && element.matches(selector)) handler(element, event);
  });
}

// A named event of the room's server-sent stream, from every stream htmx opens (a
// reconnect opens a new one).
const streamHandlers = [];
const hookedStreams = new WeakSet();
const openStreams = new Set();
export function onStream(name, handler) {
  streamHandlers.push([name, handler]);
  // A module loaded later (a dynamic import) hears a stream that is open already too.
  for (const source of openStreams) {
    if (source.readyState === EventSource.CLOSED) openStreams.delete(source);
    else source.addEventListener(name, (message) => handler(message, source));
  }
}
document.addEventListener("htmx:sseOpen", (event) => {
  const source = event.detail?.source;
  if (!source || hookedStreams.has(source)) return;
  hookedStreams.add(source);
  openStreams.add(source);
  for (const [name, handler] of streamHandlers) {
    source.addEventListener(name, (message) => handler(message, source));
  }
});

// A stream event's JSON data, or null when it is not JSON.
export function jsonOf(message) {
  try {
    return JSON.parse(message.data);
  } catch {
    return null;
  }
}

// What one behaviour tells the others ("the stream is live", "signed out elsewhere").
const heard = new Map();
export function hear(news, handler) {
  heard.set(news, [...(heard.get(news) ?? []), handler]);
}
export function tell(news, detail) {
  for (const handler of heard.get(news) ?? []) handler(detail);
}
