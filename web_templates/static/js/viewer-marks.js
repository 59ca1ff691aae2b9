// Live messages (and edits swapped in) are rendered once for everyone: here the viewer's
// own are marked, and those whose data-mentions holds the viewer's tag are highlighted,
// as the server does on the page it renders for them.
import { on, onSettle } from "./events.js";

const viewer = () => document.getElementById("chat")?.dataset.viewerAuthor;

export function isOwn(message) {
  return Boolean(viewer()) && message?.dataset.author === viewer();
}

function markMentionsOfViewer() {
  const tag = viewer();
  if (!tag || !/^[0-9a-f]+$/.test(tag)) return;
  for (const item of document.querySelectorAll(`#conversation [data-mentions~="${tag}"]:not(.mentions-you)`)) {
    item.classList.add("mentions-you");
  }
}

on("htmx:sseMessage", "#messages", (event, list) => {
  for (const item of list.querySelectorAll("[data-message-id]:not(.own-message)")) {
    if (isOwn(item)) item.classList.add("own-message");
  }
  markMentionsOfViewer();
});
// Also when a page comes pre-rendered for every viewer.
onSettle("#conversation, #older-messages", markMentionsOfViewer);
markMentionsOfViewer();
