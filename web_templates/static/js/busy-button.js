// While a form is being sent, its submit button shows its busy label ("Signing in…") and
// takes no second click.
import { onRequest } from "./events.js";

export function showBusy(button, busy) {
  if (!button) return;
  if (busy) {
    button.dataset.idleLabel ||= button.textContent;
    button.textContent = button.dataset.busyLabel || "Working…";
  } else if (button.dataset.idleLabel) {
    button.textContent = button.dataset.idleLabel;
  }
  button.disabled = busy;
}

// The message box's button follows its send instead, through a busy retry (send-status.js).
const FORMS = "form:not(#message-form)";
const BUTTON = "button[data-busy-label]";

onRequest("htmx:beforeRequest", FORMS, (event, form) => showBusy(form.querySelector(BUTTON), true));
onRequest("htmx:afterRequest", FORMS, (event, form) => showBusy(form.querySelector(BUTTON), false));
