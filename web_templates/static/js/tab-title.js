// The tab says what waits: "(3) general · Chat" counts the unread messages of the person's
// rooms (the sidebar's badges, which the stream keeps current), plus what arrived in this
// room while the tab was hidden; the favicon gets a dot for a direct message or a mention.
// Both clear as the person reads (the badges drop, the tab is looked at again). Rooms at
// the level "nothing" (data-level) count for neither.
import { jsonOf, on, onStream } from "./events.js";

let baseTitle = document.title;
let roomName = document.querySelector(".room-title h1")?.textContent?.trim() ?? "";
const icon = document.querySelector('link[rel="icon"]');
const plainIcon = icon?.getAttribute("href") ?? "";
const dotIcon = plainIcon.replace(/favicon\.svg$/, "favicon-dot.svg");
let unseenHere = 0;
let unseenForMe = false;

const muted = (entry) => entry?.dataset.level === "nothing";

function countOf(badge) {
  return badge.hidden ? 0 : Number.parseInt(badge.textContent ?? "", 10) || 0;
}

function sidebarState() {
  let count = 0;
  let forMe = false;
  for (const entry of document.querySelectorAll(".sidebar-entry")) {
    if (muted(entry)) continue;
    const badge = entry.querySelector(".unread-count");
    const unread = badge ? countOf(badge) : 0;
    count += unread;
    forMe ||= entry.classList.contains("has-mentions") || (entry.dataset.kind === "direct" && unread > 0);
  }
  return { count, forMe };
}

function show() {
  const { count, forMe } = sidebarState();
  const total = count + unseenHere;
  const title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
  if (document.title !== title) document.title = title;
  // The installed app's icon shows the same count (the service worker sets a dot on a push).
  if (navigator.setAppBadge) (total > 0 ? navigator.setAppBadge(total) : navigator.clearAppBadge()).catch(() => {});
  const href = forMe || unseenForMe ? dotIcon : plainIcon;
  if (icon && dotIcon !== plainIcon && icon.getAttribute("href") !== href) icon.setAttribute("href", href);
}

function isForMe(item) {
  const chat = document.getElementById("chat");
  const tag = chat?.dataset.viewerAuthor ?? "";
  if (document.querySelector(".room-title .room-kind")?.textContent === "direct") return true;
  return Boolean(tag) && (item.dataset.mentions ?? "").split(" ").includes(tag);
}

// New messages in the open room count only while nobody looks at the tab.
on("htmx:sseMessage", "#messages", (_event, list) => {
  if (!document.hidden) return;
  const known = Number(list.dataset.seenCount ?? "0");
  const items = [...list.querySelectorAll("[data-message-id]:not(.own-message)")];
  const here = document.querySelector('.sidebar-entry:has([aria-current="page"])');
  const counted = muted(here) ? [] : items.slice(known);
  for (const item of counted) {
    unseenHere += 1;
    unseenForMe ||= isForMe(item);
  }
  list.dataset.seenCount = String(items.length);
  show();
});

document.addEventListener("visibilitychange", () => {
  const list = document.getElementById("messages");
  if (list) list.dataset.seenCount = String(list.querySelectorAll("[data-message-id]:not(.own-message)").length);
  if (document.hidden) return;
  unseenHere = 0;
  unseenForMe = false;
  show();
});

// The badges change in place (unread-badges.js) or the whole sidebar is redrawn.
const layout = document.querySelector(".room-layout");
if (layout) {
  new MutationObserver(show).observe(layout, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["hidden", "class"],
  });
}
const list = document.getElementById("messages");
if (list) list.dataset.seenCount = String(list.querySelectorAll("[data-message-id]:not(.own-message)").length);
show();

// A room renamed while open: the header follows (person-names.js), and so does the tab.
onStream("room", (event) => {
  const name = jsonOf(event)?.name;
  if (typeof name !== "string" || !roomName || !baseTitle.startsWith(roomName)) return;
  baseTitle = name + baseTitle.slice(roomName.length);
  roomName = name;
  show();
});
