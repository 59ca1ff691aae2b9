// Edit and delete one's own message in place: Edit swaps the message's text for the edit
// form (Cancel puts the message back as it was), Delete asks first. Without JavaScript the
// same links lead to a plain edit page and a confirm page.
import { on } from "./events.js";

const saved = new Map(); // message id -> the message's markup while its edit form shows
const csrfToken = () => document.querySelector("#message-form input[name=csrf_token]")?.value ?? "";

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
  const message = link.closest("li.message");
  const markup = saved.get(message.dataset.messageId);
  if (!markup) return;
  message.outerHTML = markup;
  saved.delete(message.dataset.messageId);
});

on("click", "li.message .delete-message", (event, link) => {
  event.preventDefault();
  if (!window.confirm("Delete this message? Everyone sees “message deleted” instead.")) return;
  htmx.ajax("POST", link.getAttribute("href"), {
    target: link.closest("li.message"),
    swap: "outerHTML",
    values: { csrf_token: csrfToken() },
  });
});
