// Live messages are kept in id order exactly once: a message the stream repeats (a resume,
// two replicas) is dropped, and one that arrives after a newer one (replicas may publish
// two close messages out of order) moves before it. The first message ends "No messages
// yet".
import { on } from "./events.js";

const messageId = (element) => Number(element.dataset.messageId) || 0;

on("htmx:sseMessage", "#messages", (event, list) => {
  document.querySelector(".empty-chat")?.remove();
  const item = list.lastElementChild;
  if (!item?.hasAttribute("data-message-id")) return;
  const id = messageId(item);
  if (list.querySelectorAll(`[data-message-id="${id}"]`).length > 1) {
    item.remove();
    return;
  }
  let before = item.previousElementSibling;
  while (before && messageId(before) > id) before = before.previousElementSibling;
  if (before !== item.previousElementSibling) {
    list.insertBefore(item, before ? before.nextElementSibling : list.firstElementChild);
  }
});
