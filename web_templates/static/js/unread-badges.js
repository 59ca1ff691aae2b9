// The sidebar's unread and "@" mention counts stay current from the room's stream:
// [{"room": slug, "count": n, "mentions": m}, …] for the person's other rooms. A room the
// sidebar does not list yet with news (a new direct conversation, a hidden one written to)
// reloads it, and so does the stream's "sidebar" event (joined, added, left).
import { jsonOf, onStream } from "./events.js";

function showCount(entry, count) {
  const badge = entry.querySelector(".unread-count");
  entry.classList.toggle("has-unread", count > 0);
  if (!badge) return;
  badge.firstChild.textContent = String(count);
  badge.hidden = count === 0;
}

// "@2" to the eye, "2 mentions" to a screen reader.
function showMentions(entry, mentions) {
  const badge = entry.querySelector(".mention-count");
  entry.classList.toggle("has-mentions", mentions > 0);
  if (!badge || badge.children.length < 2) return;
  badge.children[0].textContent = "@" + mentions;
  badge.children[1].textContent = mentions + (mentions === 1 ? " mention" : " mentions");
  badge.hidden = mentions === 0;
}

function redrawSidebar() {
  const room = document.getElementById("live")?.dataset.room ?? "";
  htmx.ajax("GET", "/sidebar?room=" + encodeURIComponent(room), { target: "#sidebar", swap: "outerHTML" });
}

onStream("unread", (event) => {
  const updates = jsonOf(event);
  if (!Array.isArray(updates)) return;
  const entries = new Map();
  for (const entry of document.querySelectorAll(".sidebar-entry")) entries.set(entry.dataset.room, entry);
  let missing = false;
  for (const update of updates) {
    const entry = entries.get(update.room);
    if (!entry) {
      missing ||= update.count > 0;
      continue;
    }
    showCount(entry, Number(update.count) || 0);
    showMentions(entry, Number(update.mentions) || 0);
  }
  if (missing) redrawSidebar();
});

onStream("sidebar", redrawSidebar);
