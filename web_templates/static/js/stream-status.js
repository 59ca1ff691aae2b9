// Tells the person whether new messages arrive live (#live-status). A stream can also go
// silent without closing (a paused or stuck server): the server sends a heartbeat every
// data-heartbeat-seconds, and two missed in a row are reported until it speaks again.
import { on, onStream, tell } from "./events.js";

const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline: messages sent meanwhile appear when you are back online.",
  paused: "Paused: this chat is open in too many tabs. Reload this tab to resume here.",
  silent: "No news from the server for a while: still trying to reach it…",
};
const liveState = () => document.getElementById("live")?.dataset.state;
// What the page says without JavaScript ("does not update by itself") is not true here.
document.getElementById("no-live-notice")?.remove();
let lastHeard = Date.now();

export function showLiveState(state) {
  const live = document.getElementById("live");
  const status = document.getElementById("live-status");
  if (live) live.dataset.state = state;
  if (status) {
    status.hidden = false;
    status.textContent = STATUS_TEXT[state] ?? "";
    status.dataset.state = state;
  }
  if (state === "live") tell("live");
}

function heardFromServer() {
  lastHeard = Date.now();
  if (liveState() === "silent") showLiveState("live");
}

on("htmx:sseOpen", "#live", () => {
  lastHeard = Date.now();
  showLiveState("live");
});
on("htmx:sseError", "#live", () => showLiveState("reconnecting"));
on("htmx:sseMessage", "#messages", heardFromServer);
onStream("heartbeat", heardFromServer);

const seconds = Number(document.getElementById("live")?.dataset.heartbeatSeconds);
if (seconds) {
  setInterval(() => {
    if (liveState() === "live" && Date.now() - lastHeard > 2 * seconds * 1000 + 1000) {
      showLiveState("silent");
    }
  }, 1000);
}
if (liveState() === "connecting") showLiveState("connecting");
