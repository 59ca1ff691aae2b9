// While a form is being sent, show the submit button's busy label and block double submits.
document.addEventListener("htmx:beforeRequest", (event) => {
  const button = event.target.querySelector && event.target.querySelector("button[data-busy-label]");
  if (!button) return;
  button.dataset.idleLabel = button.textContent;
  button.textContent = button.dataset.busyLabel;
  button.disabled = true;
});
document.addEventListener("htmx:afterRequest", (event) => {
  const button = event.target.querySelector && event.target.querySelector("button[data-busy-label]");
  if (!button || !button.dataset.idleLabel) return;
  button.textContent = button.dataset.idleLabel;
  button.disabled = false;
});
