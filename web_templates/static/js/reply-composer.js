// "Reply" in a message's menu (chat_svc/replies/): instead of the reply page, a quote of
// the message above the message box and its id in the form's reply_to. Cancel takes both
// away; a send swaps in a fresh form without them.
import { on } from "./events.js";

function firstLine(message) {
  const text = message.querySelector(".message-body")?.innerText ?? "";
  return text.split("\n").map((line) => line.trim()).find(Boolean) ?? "";
}

function quoteFor(message, form) {
  const quote = document.createElement("p");
  quote.className = "composer-reply";
  const label = document.createElement("span");
  const author = document.createElement("bdi");
  author.className = "reply-author";
  author.textContent = message.querySelector(".message-author")?.textContent ?? "";
  const line = document.createElement("span");
  Object.assign(line, { className: "reply-line", dir: "auto", textContent: firstLine(message) });
  label.append("Replying to ", author, ": ", line);
  const cancel = document.createElement("button");
  Object.assign(cancel, { type: "button", className: "secondary", textContent: "Cancel reply" });
  cancel.addEventListener("click", () => {
    clearReply(form);
    form.querySelector("textarea")?.focus();
  });
  quote.append(label, cancel);
  return quote;
}

function clearReply(form) {
  form.querySelector(".composer-reply")?.remove();
  form.querySelector('input[name="reply_to"]')?.remove();
}

on("click", "#chat-log a.reply-message", (event, link) => {
  const form = document.getElementById("message-form");
  const message = link.closest("li.message");
  if (!form || !message) return; // not a member here: the reply page says so
  event.preventDefault();
  link.closest("details")?.removeAttribute("open");
  clearReply(form);
  const field = Object.assign(document.createElement("input"), {
    type: "hidden", name: "reply_to", value: message.dataset.messageId,
  });
  form.prepend(quoteFor(message, form), field);
  form.querySelector("textarea")?.focus();
});
