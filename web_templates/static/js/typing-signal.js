// While this person types a message, the room hears it: at most one signal every 3 s (a
// hint only, so a failed one is not retried).
import { on } from "./events.js";

const SEND_EVERY_MS = 3000;
let lastSent = 0;

on("input", "#message-form textarea", (event, box) => {
  const room = document.getElementById("chat")?.dataset.room;
  const token = box.form.querySelector("input[name=csrf_token]");
  if (!room || !token || box.value.trim() === "") return;
  const now = Date.now();
  if (now - lastSent < SEND_EVERY_MS) return;
  lastSent = now;
  const body = new URLSearchParams({ csrf_token: token.value });
  fetch(`/rooms/${encodeURIComponent(room)}/typing`, { method: "POST", body, credentials: "same-origin" })
    .catch(() => {});
});
