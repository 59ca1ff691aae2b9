// Only what was on screen while the page was visible counts as read (issue 37): each
// message in the log's view, with the tab in front, is seen; the read position is the
// newest message with every message up to it seen (or one's own, or skipped with "Jump to
// latest"), reported to
// POST /rooms/<slug>/read. A background tab, a log scrolled up, a tab closed before the
// newest came into view: those messages stay unread, mentions included. The cookie tells
// the server this page reports (web/cookies.py); without JavaScript a served page is read.
import { on, onSettle } from "./events.js";

document.cookie = "chat_reads=screen; path=/; max-age=31536000; samesite=lax";

const log = document.getElementById("chat-log");
const form = () => document.getElementById("message-form"); // members only
const items = () => document.querySelectorAll("#messages [data-message-id]");
const onScreen = new Set();
const seen = new Set();
let readThrough = 0;
let reported = 0;
let timer = null;

// What the page opened with above the "New messages" divider was read before; with no
// divider, all of it was.
function startingPoint() {
  const divider = document.querySelector("#messages .unread-divider");
  let last = 0;
  for (const item of items()) {
    if (divider && divider.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING) break;
    last = Number(item.dataset.messageId);
  }
  readThrough = Math.max(readThrough, last);
}

function advance() {
  for (const item of items()) {
    const id = Number(item.dataset.messageId);
    if (id <= readThrough) continue;
    if (!seen.has(id) && !item.classList.contains("own-message")) break;
    readThrough = id;
  }
  if (readThrough > reported && !timer) timer = setTimeout(() => report(false), 300);
}

function report(leaving) {
  clearTimeout(timer);
  timer = null;
  const box = form();
  const room = document.getElementById("live")?.dataset.room;
  if (!box || !room || readThrough <= reported) return;
  const data = new FormData();
  data.set("csrf_token", box.querySelector("input[name=csrf_token]")?.value ?? "");
  data.set("up_to", String(readThrough));
  reported = readThrough;
  const url = `/rooms/${encodeURIComponent(room)}/read`;
  if (leaving) navigator.sendBeacon(url, data);
  else fetch(url, { method: "POST", body: data, credentials: "same-origin" }).catch(() => { reported = 0; });
}

function noteSeen() {
  if (document.visibilityState !== "visible") return;
  for (const item of onScreen) seen.add(Number(item.dataset.messageId));
  advance();
}

// Half of a message in view, or half of the view filled by a long one.
const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const half = entry.intersectionRatio >= 0.5 ||
      entry.intersectionRect.height >= (entry.rootBounds?.height ?? Infinity) / 2;
    if (entry.isIntersecting && half) onScreen.add(entry.target);
    else onScreen.delete(entry.target);
  }
  noteSeen();
}, { root: log, threshold: [0, 0.25, 0.5, 0.75, 1] });

const watched = new WeakSet();
function watchAll() {
  for (const item of items()) {
    if (watched.has(item)) continue;
    watched.add(item);
    observer.observe(item);
  }
  advance();
}

on("htmx:sseMessage", "#messages", watchAll);
// "Jump to latest" skips what lies between on purpose: that counts as read, or the room
// would stay unread until the person scrolled through every message.
on("click", "#jump-to-newest", () => {
  const all = items();
  if (all.length) readThrough = Math.max(readThrough, Number(all[all.length - 1].dataset.messageId));
  advance();
});
onSettle("#conversation", () => {
  onScreen.clear();
  startingPoint();
  watchAll();
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") noteSeen();
  else report(true);
});
window.addEventListener("pagehide", () => report(true));

if (log) {
  startingPoint();
  watchAll();
}
