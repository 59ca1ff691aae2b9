// What the server orders through the room's stream: this session was signed out (to
// sign-in, which says why; the draft kept), newer tabs took over (pause here), the page is too far
// behind to replay (fetch the latest), or the person is no longer a member (to general:
// reloading a closed room would answer "Page not found", an open one "looking in").
import { on, onStream, tell } from "./events.js";
import { roomPath } from "./stream-resume.js";
import { showLiveState } from "./stream-status.js";

// This tab's own sign-out or leave is already navigating away: a reload would race it.
on("submit", "form.sign-out, form.sign-out-everywhere, form.leave-room", (event) => {
  if (!event.defaultPrevented) document.body.dataset.leaving = "yes";
});

// Straight to sign-in, which says why, and back to this room after.
onStream("signed-out", (event, source) => {
  source.close();
  if (document.body.dataset.leaving === "yes") return;
  tell("signed-out");
  const query = new URLSearchParams({ next: location.pathname, notice: "signed-out-elsewhere" });
  location.assign("/sign-in?" + query);
});

// Reloading here would close the next oldest tab's stream.
onStream("too-many-streams", (event, source) => {
  source.close();
  showLiveState("paused");
});

onStream("reload", (event, source) => {
  source.close();
  htmx.ajax("GET", roomPath(), { target: "#conversation", swap: "outerHTML" });
});

onStream("gone", (event, source) => {
  source.close();
  if (document.body.dataset.leaving !== "yes") location.assign("/rooms/general");
});
