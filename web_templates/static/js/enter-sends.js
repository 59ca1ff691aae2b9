// In the message box Enter sends and Shift+Enter starts a new line; on a touch device
// (on-screen keyboards have no Shift+Enter) Enter starts a new line and the Send button
// sends. The hint under the box says which (without JavaScript it says what is true
// there), and after a send the fresh box has the focus for the next message.
import { on, onSettle } from "./events.js";
import { insideFence } from "./code-fences.js";

const FORM = "#message-form";
const touch = () => matchMedia("(pointer: coarse)").matches;

function nameTheKeys(form) {
  const hint = form?.querySelector(".hint");
  if (!hint) return;
  hint.textContent = touch() ? "Enter starts a new line; Send sends." : "Enter sends; Shift+Enter starts a new line.";
}

// Bubbling: mention-picker.js takes Enter first while its list is open.
on("keydown", `${FORM} textarea`, (event, box) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || touch() || insideFence(box)) return;
  event.preventDefault();
  // One send at a time (send-status.js marks the form in flight; not htmx's class, which
  // htmx carries onto the fresh form until it settles).
  if (box.value.trim() !== "" && box.form.dataset.sending !== "yes") box.form.requestSubmit();
});

onSettle(FORM, (form) => {
  nameTheKeys(form);
  form.querySelector("textarea")?.focus();
});
nameTheKeys(document.querySelector(FORM));
