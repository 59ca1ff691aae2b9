// A form whose HTMX post answered 503 (the service is busy, service_kit/serving/admission.py) is
// sent once more after the answer's Retry-After (at most 5 s). An element in the form marked
// data-busy-status, if any, says "Busy, retrying" meanwhile, and what went wrong if the
// second try is refused too. A second 503 is not retried: the person decides.
import { onRequest } from "./events.js";

const RETRY_LIMIT_SECONDS = 5;

// True when a retry is on its way (`say` shows the word); false for any other answer and
// for the second refusal in a row, which is the caller's to report.
export function retryIfBusy(form, xhr, say) {
  if (xhr?.status !== 503) return false;
  if (form.dataset.busyRetried === "true") {
    delete form.dataset.busyRetried;
    return false;
  }
  form.dataset.busyRetried = "true";
  say("Busy, retrying…");
  const seconds = Math.min(Number(xhr.getResponseHeader("Retry-After")) || 1, RETRY_LIMIT_SECONDS);
  setTimeout(() => {
    if (form.isConnected && form.dataset.sending !== "yes") form.requestSubmit();
  }, seconds * 1000);
  return true;
}

function busyStatus(form, text) {
  const status = form.querySelector("[data-busy-status]");
  if (status) status.textContent = text;
}

// The message box reports its own sends (send-status.js), with the same rule.
const FORMS = "form:not(#message-form)";

onRequest("htmx:responseError", FORMS, (event, form) => {
  const xhr = event.detail.xhr;
  if (xhr?.status === 503 && !retryIfBusy(form, xhr, (text) => busyStatus(form, text))) {
    busyStatus(form, "Still busy: nothing was sent. Please try again in a moment.");
  }
});

onRequest("htmx:afterRequest", FORMS, (event, form) => {
  if (!event.detail.successful) return;
  delete form.dataset.busyRetried;
  busyStatus(form, "");
});
