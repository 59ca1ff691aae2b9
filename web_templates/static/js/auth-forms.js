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

// After a failed submit the server re-renders the form without any password: passwords
// never travel back in HTML (caches, history, view-source). Here, in the browser only, a
// new password the server accepted is put back, so a mismatch means retyping only the
// confirmation. Fields from the first one in error on are left empty, and a sign-in
// password ("current-password") is never kept: after "wrong password" it is retyped.
let keptPasswords = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.target;
  keptPasswords = null;
  if (!(form instanceof HTMLFormElement)) return;
  const fields = form.querySelectorAll('input[type="password"][autocomplete="new-password"]');
  if (fields.length === 0) return;
  keptPasswords = { action: form.getAttribute("action"), values: {} };
  fields.forEach((input) => { keptPasswords.values[input.name] = input.value; });
});
document.addEventListener("htmx:afterSwap", () => {
  if (!keptPasswords) return;
  const { action, values } = keptPasswords;
  keptPasswords = null;
  const form = Array.from(document.forms).find((f) => f.getAttribute("action") === action);
  if (!form) return;
  const fields = form.querySelectorAll('input[type="password"][autocomplete="new-password"]');
  for (const input of fields) {
    if (input.getAttribute("aria-invalid") === "true") break;
    if (values[input.name]) input.value = values[input.name];
  }
});
