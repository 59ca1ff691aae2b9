// When the text before the caret is an "@" and the start of a name, htmx fetches
// GET /rooms/<slug>/members?q=… into the suggestion list (the room's members, never the
// viewer). Without JavaScript "@Display Name" written by hand is recognised by the server.
import { on } from "./events.js";
import { close, open } from "./mention-list.js";

const LOOKUP_DELAY_MS = 120;
const MAX_TYPED = 40;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
let lookupTimer = null;
let inFlight = false;
let asked = null; // what the request in flight asked for
let wanted = null; // {start, end, typed}: the "@…" at the caret, or null

// The "@…" the caret is at the end of: an "@" at the start or after a non-word character,
// then up to MAX_TYPED characters of one line, not starting or ending with a space.
export function mentionAtCaret(text) {
  if (text.selectionStart !== text.selectionEnd) return null;
  const caret = text.selectionStart;
  const before = text.value.slice(Math.max(0, caret - MAX_TYPED - 1), caret);
  const at = before.lastIndexOf("@");
  if (at === -1) return null;
  const typed = before.slice(at + 1);
  if (/[\n@]/.test(typed) || /^\s|\s$|\s\s/.test(typed)) return null;
  const start = caret - before.length + at;
  if (start > 0 && WORD_CHAR.test(text.value.charAt(start - 1))) return null; // an e-mail address
  return { start, end: caret, typed };
}

// The list closes and stays closed until the person types on.
export function forget() {
  wanted = null;
  close();
}

// One request at a time; when it answers, ask again if the person typed on meanwhile.
function ask(typed, form) {
  inFlight = true;
  asked = typed;
  const url = form.getAttribute("action").replace(/\/messages$/, "/members") + "?q=" + encodeURIComponent(typed);
  const swap = { source: "#mention-suggestions", target: "#mention-suggestions", swap: "outerHTML" };
  htmx.ajax("GET", url, swap).then(() => {
    inFlight = false;
    if (wanted && wanted.typed !== asked) ask(wanted.typed, form);
    else if (wanted) open();
    else close();
  }, () => {
    inFlight = false;
    close();
  });
}

on("input", "#message-form textarea", (event, text) => {
  clearTimeout(lookupTimer);
  lookupTimer = setTimeout(() => {
    wanted = mentionAtCaret(text);
    if (!wanted) close();
    else if (!inFlight) ask(wanted.typed, text.form);
  }, LOOKUP_DELAY_MS);
});
