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
  document.getElementById("live")?.setAttribute("sse-connect", `${roomPath()}/events?after=${lastMessageId()}`);
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
  if (live?.dataset.state !== "offline") return;
  updateResumePoint();
  const fresh = live.cloneNode(true);
  fresh.dataset.state = "connecting";
  live.replaceWith(fresh);
  htmx.process(fresh);
  showLiveState("reconnecting");
});

updateResumePoint();
