// "Load older messages" replaces itself with the next such link (or "Start of the
// conversation"): the keyboard focus moves there, and screen readers hear what arrived.
import { onSettle } from "./events.js";

const LIST = "#older-messages";
const count = (list) => list.querySelectorAll("[data-message-id]").length;
let countBefore = 0;

document.addEventListener("htmx:beforeRequest", (event) => {
  const list = document.querySelector(LIST);
  if (list && event.detail.target === list) countBefore = count(list);
});

onSettle(LIST, (list) => {
  const loaded = count(list) - countBefore;
  const next = document.querySelector("#older-control")?.querySelector("a, .conversation-start");
  let text = loaded === 1 ? "1 older message loaded." : `${loaded} older messages loaded.`;
  if (next?.classList.contains("conversation-start")) text += " Start of the conversation.";
  next?.focus();
  const announcer = document.getElementById("chat-announcer");
  if (announcer) announcer.textContent = text;
});
