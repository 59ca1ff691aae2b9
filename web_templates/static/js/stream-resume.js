// The room's stream resumes from the last message the page holds: htmx's SSE extension
// re-reads sse-connect when it reconnects, but does not send Last-Event-ID itself. A dropped
// network often leaves a half-open connection that looks alive for minutes: the stream is
// closed when the browser goes offline and opened again (a fresh #live) when it is back.
import { on } from "./events.js";
import { showLiveState } from "./stream-status.js";

let openStream = null;

export function roomPath() {
  const room = document.getElementById("live")?.dataset.room ?? "general";
  return "/rooms/" + encodeURIComponent(room);
}

function lastMessageId() {
  let last = 0;
  for (const item of document.querySelectorAll("#messages [data-message-id]")) {
    last = Math.max(last, Number(item.dataset.messageId) || 0, Number(item.dataset.eventId) || 0);
  }
  return last;
}

function updateResumePoint() {
  const live = document.getElementById("live");
  // A page that ends before the newest messages has no stream until "load newer" reaches
  // them (newer-messages.js).
  if (live?.hasAttribute("sse-connect")) live.setAttribute("sse-connect", `${roomPath()}/events?after=${lastMessageId()}`);
}

// Replaces #live with a fresh copy streaming from the last message the page holds: htmx
// opens the stream as it processes it.
export function startStream(live) {
  live.setAttribute("sse-connect", `${roomPath()}/events?after=${lastMessageId()}`);
  const fresh = live.cloneNode(true);
  fresh.dataset.state = "connecting";
  live.replaceWith(fresh);
  htmx.process(fresh);
}

on("htmx:sseOpen", "#live", (event) => { openStream = event.detail.source; });
on("htmx:sseMessage", "#messages", updateResumePoint);

window.addEventListener("offline", () => {
  openStream?.close();
  openStream = null;
  showLiveState("offline");
});

window.addEventListener("online", () => {
  const live = document.getElementById("live");
  if (live?.dataset.state !== "offline" || !live.hasAttribute("sse-connect")) return;
  startStream(live);
  showLiveState("reconnecting");
});

updateResumePoint();
