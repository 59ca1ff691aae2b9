// A form whose HTMX post answered 503 (the service is busy, service_kit/admission.py) is
// sent once more after the answer's Retry-After (at most 5 s). An element in the form marked
// data-busy-status, if any, says "Busy, retrying" meanwhile, and what went wrong if the
// second try is refused too. A second 503 is not retried: the person decides.
const BUSY_RETRY_LIMIT_SECONDS = 5;

function busyStatus(form, text) {
  const status = form.querySelector("[data-busy-status]");
  if (status) status.textContent = text;
}

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  const form = event.detail.elt && event.detail.elt.closest("form");
  if (!xhr || xhr.status !== 503 || !form) return;
  if (form.dataset.busyRetried === "true") {
    delete form.dataset.busyRetried;
    busyStatus(form, "Still busy: nothing was sent. Please try again in a moment.");
    return;
  }
  form.dataset.busyRetried = "true";
  busyStatus(form, "Busy, retrying…");
  const seconds = Math.min(Number(xhr.getResponseHeader("Retry-After")) || 1, BUSY_RETRY_LIMIT_SECONDS);
  setTimeout(() => form.requestSubmit(), seconds * 1000);
});

document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt && event.detail.elt.closest("form");
  if (!form || !event.detail.successful) return;
  delete form.dataset.busyRetried;
  busyStatus(form, "");
});
