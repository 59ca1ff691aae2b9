// The log follows the newest message while the person is at the bottom (or sent it), and
// offers "Jump to latest ↓" when one arrives while they read further up. A page that
// opens with unread messages opens at the "New messages" divider (web/room_view.py loads
// them all), the newest one "Jump to latest" away. Without JavaScript the URL's
// #message-N lands on a new message; here, on the first unread or the newest.
import { on, onSettle } from "./events.js";
import { isOwn } from "./viewer-marks.js";

const log = () => document.getElementById("chat-log");
const nearBottom = (element) => element.scrollHeight - element.scrollTop - element.clientHeight < 80;
let stickToBottom = true;

function scrollToNewest(force) {
  const element = log();
  if (element && (force || nearBottom(element))) element.scrollTop = element.scrollHeight;
}

function showJumpToNewest(show) {
  const jump = document.getElementById("jump-to-newest");
  if (jump) jump.hidden = !show;
}

// Measured before the message is added, which may push the bottom out of view.
on("htmx:sseBeforeMessage", "#messages", () => {
  const element = log();
  stickToBottom = Boolean(element && nearBottom(element));
});

on("htmx:sseMessage", "#messages", (event, list) => {
  const follow = isOwn(list.lastElementChild) || stickToBottom;
  scrollToNewest(follow);
  showJumpToNewest(!follow);
});

on("click", "#jump-to-newest", () => {
  scrollToNewest(true);
  showJumpToNewest(false);
  document.querySelector("#message-form textarea")?.focus();
});

log()?.addEventListener("scroll", (event) => {
  if (nearBottom(event.currentTarget)) showJumpToNewest(false);
});
// A link to one message (#message-N: the mention e-mail, kept through sign-in) opens at
// it, once per page; one older than the page opens the view around it (?around=N), which
// opens at its highlighted message. Otherwise the divider at the top of the log, a line of
// what was read above it.
let linkFollowed = false;
function openAtLinkedMessage() {
  if (linkFollowed) return false;
  linkFollowed = true;
  const linked = /^#message-(\d+)$/.exec(location.hash);
  const message = document.querySelector("#messages .message.highlighted")
    ?? (linked && document.getElementById(`message-${linked[1]}`));
  if (message) {
    message.scrollIntoView({ block: "center" });
    showJumpToNewest(!nearBottom(log()));
    return true;
  }
  if (!linked) return false;
  location.replace(`${location.pathname}?around=${linked[1]}${location.hash}`);
  return true;
}

function openAtFirstUnread() {
  if (openAtLinkedMessage()) return;
  const element = log();
  const divider = element?.querySelector("#messages .unread-divider");
  if (!element || !divider) return scrollToNewest(true);
  const above = divider.previousElementSibling?.offsetHeight ?? 0;
  element.scrollTop += divider.getBoundingClientRect().top - element.getBoundingClientRect().top - above;
  showJumpToNewest(!nearBottom(element));
}

onSettle("#conversation", openAtFirstUnread);
openAtFirstUnread();
