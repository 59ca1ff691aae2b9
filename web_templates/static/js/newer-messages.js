// "Load newer messages" (a room page that ends before the newest: the ?around= view) appends
// the next page and replaces itself with the next such link. The last page's control is
// marked data-at-newest: the live stream then starts from the last message the page holds,
// so no message between the pages and the stream is lost or shown twice.
import { onSettle } from "./events.js";
import { startStream } from "./stream-resume.js";
import { showLiveState } from "./stream-status.js";

onSettle("#messages", () => {
  const control = document.getElementById("newer-control");
  const live = document.getElementById("live");
  if (!control || !live || live.hasAttribute("sse-connect")) return;
  const announcer = document.getElementById("chat-announcer");
  const atNewest = control.hasAttribute("data-at-newest");
  if (announcer) {
    announcer.textContent = atNewest ? "Newer messages loaded: these are the newest." : "Newer messages loaded.";
  }
  if (!atNewest) {
    control.querySelector("a")?.focus();
    return;
  }
  startStream(live);
  showLiveState("connecting");
});
