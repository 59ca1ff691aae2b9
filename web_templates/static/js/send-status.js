// The message box's sends (issue 17): a send in flight shows "Sending…", then "Still
// trying…" after 4 s; a send that fails or times out says "Not sent" with a Retry button,
// keeps the text and is retried once the stream is live again (the form's client_id makes
// the server store a retried draft once). A busy server (503) gets one more try first.
import { showBusy } from "./busy-button.js";
import { retryIfBusy } from "./busy-retry.js";
import { hear, onRequest } from "./events.js";

const STILL_TRYING_MS = 4000;
const FORM = "#message-form";
let stillTrying = null; // the clock of the send in flight
let retryWhenLive = false;

const composer = () => document.querySelector(FORM);
const sendButton = (form) => form?.querySelector("button[type=submit]");

export function showSendStatus(form, state, text) {
  const status = form?.querySelector("#send-status");
  if (!status) return;
  status.dataset.state = state;
  status.textContent = text;
  if (state !== "failed") return;
  const retry = document.createElement("button");
  Object.assign(retry, { type: "button", className: "retry-send secondary", textContent: "Retry" });
  retry.addEventListener("click", retrySend);
  status.appendChild(retry);
}

function stopStillTrying() {
  clearTimeout(stillTrying);
  stillTrying = null;
}

function retrySend() {
  const form = composer();
  retryWhenLive = false;
  if (form) delete form.dataset.busyRetried;
  const text = form?.querySelector("textarea");
  if (text && text.value.trim() !== "" && form.dataset.sending !== "yes") form.requestSubmit();
}

onRequest("htmx:beforeRequest", FORM, (event, form) => {
  form.dataset.sending = "yes";
  showBusy(sendButton(form), true);
  showSendStatus(form, "sending", "Sending…");
  stopStillTrying();
  stillTrying = setTimeout(() => showSendStatus(composer(), "slow", "Still trying…"), STILL_TRYING_MS);
});

// The send is over whichever way it ended, even when its form was swapped for a fresh one.
onRequest("htmx:afterRequest", FORM, (event, form) => {
  stopStillTrying();
  delete form.dataset.sending;
});

// The text stays in the box (htmx swaps nothing on a failure); the same form, with the
// same client_id, is sent again when the stream is live or on Retry.
for (const type of ["htmx:sendError", "htmx:timeout", "htmx:responseError"]) {
  onRequest(type, FORM, (event, form) => {
    stopStillTrying();
    if (retryIfBusy(form, event.detail.xhr, (text) => showSendStatus(form, "slow", text))) return;
    showBusy(sendButton(form), false);
    retryWhenLive = true;
    showSendStatus(form, "failed", "Not sent. ");
  });
}

hear("live", () => {
  if (retryWhenLive) retrySend();
});
