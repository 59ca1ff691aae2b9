// Desktop notifications while this tab is open but hidden, for what the room's level asks
// for (direct messages and mentions always; every message where the level says so), once
// the person turned them on (push-opt-in.js). A click focuses the tab on the room.
// The level is read from the room's sidebar entry (data-level) at each message: a change
// from the bell menu or the settings page, in any tab, redraws the sidebar, so it counts at
// once (a copy fetched at load went stale until a reload).
import { jsonOf, on, onStream } from "./events.js";

const lastCounts = new Map();
const lastMentions = new Map();

const enabled = () => "Notification" in window && Notification.permission === "granted"
  && localStorage.getItem("chat-notices") === "on";
const currentRoom = () => document.getElementById("live")?.dataset.room ?? "";
const viewerTag = () => document.getElementById("chat")?.dataset.viewerAuthor ?? "";
const currentIsDirect = () => document.querySelector(".room-title .room-kind")?.textContent === "direct";

function notify(title, body, url) {
  const notice = new Notification(title, { body, tag: url, icon: "/static/icons/icon-192.png" });
  notice.onclick = () => {
    window.focus();
    if (location.pathname + location.hash !== url) location.assign(url);
    notice.close();
  };
}

function entryOf(room) {
  return document.querySelector(`.sidebar-entry[data-room="${CSS.escape(room)}"]`);
}

// A level left at its default has no data-level (chat_svc/push/levels/levels.py).
function levelOf(room, direct) {
  return entryOf(room)?.dataset.level ?? (direct ? "everything" : "mentions");
}

function remember() {
  for (const entry of document.querySelectorAll(".sidebar-entry")) {
    const count = Number.parseInt(entry.querySelector(".unread-count")?.textContent ?? "0", 10) || 0;
    lastCounts.set(entry.dataset.room, count);
    lastMentions.set(entry.dataset.room, entry.classList.contains("has-mentions") ? 1 : 0);
  }
}

// Another room's counts went up.
onStream("unread", (event) => {
  const updates = jsonOf(event);
  if (!Array.isArray(updates)) return;
  for (const update of updates) {
    const count = Number(update.count) || 0;
    const mentions = Number(update.mentions) || 0;
    const before = lastCounts.get(update.room) ?? 0;
    const mentionsBefore = lastMentions.get(update.room) ?? 0;
    lastCounts.set(update.room, count);
    lastMentions.set(update.room, mentions);
    if (!document.hidden || !enabled() || count <= before) continue;
    const entry = entryOf(update.room);
    const direct = entry?.dataset.kind === "direct";
    const level = levelOf(update.room, direct);
    if (!(direct || mentions > mentionsBefore || level === "everything")) continue;
    const where = entry?.querySelector("a")?.firstChild?.textContent?.trim() || "a room";
    notify(mentions > mentionsBefore ? `You were mentioned in ${where}` : `New message in ${where}`, "", `/rooms/${update.room}`);
  }
});

// A message in the open room while nobody looks at the tab.
on("htmx:sseMessage", "#messages", (_event, list) => {
  if (!document.hidden || !enabled()) return;
  const tag = viewerTag();
  const level = levelOf(currentRoom(), currentIsDirect());
  for (const item of list.querySelectorAll("[data-message-id]:not([data-noticed])")) {
    item.dataset.noticed = "1";
    if (item.dataset.author === tag) continue;
    const mentioned = Boolean(tag) && (item.dataset.mentions ?? "").split(" ").includes(tag);
    if (!(currentIsDirect() || mentioned || level === "everything")) continue;
    const author = item.querySelector(".message-author")?.textContent?.trim() ?? "Someone";
    const text = item.querySelector(".message-body")?.textContent?.trim() ?? "";
    const where = document.querySelector(".room-title h1")?.textContent?.trim() ?? "";
    const title = currentIsDirect() ? author : `${author} in ${where}`;
    notify(title, text.slice(0, 120), `/rooms/${currentRoom()}#message-${item.dataset.messageId}`);
  }
});

// What was on the page before: not news.
for (const item of document.querySelectorAll("#messages [data-message-id]")) item.dataset.noticed = "1";
remember();
