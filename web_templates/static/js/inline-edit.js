// Edit and delete one's own message in place: Edit swaps the message's text for the edit
// form, on screen, where Enter saves and Escape (or Cancel) puts the message back as it was;
// Delete asks first. After Save, Cancel or Delete the focus is on the message again, not
// lost to the page. Without JavaScript the same links lead to a plain edit page and a
// confirm page.
import { on, onSettle } from "./events.js";

const saved = new Map(); // message id -> the message's markup while its edit form shows
const changing = new Set(); // ids of messages whose answer (saved, deleted) is awaited
const csrfToken = () => document.querySelector("#message-form input[name=csrf_token]")?.value ?? "";

function focusMessage(id) {
  const message = document.getElementById("message-" + id);
  if (!message) return;
  message.tabIndex = -1;
  message.focus();
}

function cancel(message) {
  const id = message.dataset.messageId;
  const markup = saved.get(id);
  if (!markup) return;
  message.outerHTML = markup;
  saved.delete(id);
  focusMessage(id);
}

onSettle(".message-change-form", (form) => {
  form.scrollIntoView({ block: "nearest" });
  form.querySelector("textarea")?.focus();
});

// Touch keyboards have no Shift+Enter: there Enter starts a new line and Save saves.
on("keydown", "li.message .message-change-form textarea", (event, box) => {
  const message = box.closest("li.message");
  if (event.key === "Escape") {
    event.preventDefault();
    cancel(message);
  } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !matchMedia("(pointer: coarse)").matches) {
    event.preventDefault();
    changing.add(message.dataset.messageId);
    box.form.requestSubmit();
  }
});

on("submit", "li.message .message-change-form", (event, form) => {
  changing.add(form.closest("li.message").dataset.messageId);
});

onSettle("li.message", (message) => {
  const id = message.dataset.messageId;
  if (!changing.delete(id)) return;
  saved.delete(id);
  focusMessage(id);
});

on("click", "li.message .edit-message", (event, link) => {
  event.preventDefault();
  const message = link.closest("li.message");
  saved.set(message.dataset.messageId, message.outerHTML);
  const actions = message.querySelector(".message-actions");
  if (actions) Object.assign(actions, { open: false, hidden: true });
  htmx.ajax("GET", link.getAttribute("href"), { target: message.querySelector(".message-body"), swap: "outerHTML" });
});

on("click", "li.message .cancel-change", (event, link) => {
  event.preventDefault();
  cancel(link.closest("li.message"));
});

on("click", "li.message .delete-message", (event, link) => {
  event.preventDefault();
  if (!window.confirm("Delete this message? Everyone sees “message deleted” instead.")) return;
  changing.add(link.closest("li.message").dataset.messageId);
  htmx.ajax("POST", link.getAttribute("href"), {
    target: link.closest("li.message"),
    swap: "outerHTML",
    values: { csrf_token: csrfToken() },
  });
});
