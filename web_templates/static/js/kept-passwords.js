// After a failed submit the server re-renders the form without any password: passwords
// never travel back in HTML (caches, history, view-source). Here, in the browser only, a
// new password the server accepted is put back, so a mismatch means retyping only the
// confirmation. Fields from the first one in error on are left empty, and a sign-in
// password ("current-password") is never kept: after "wrong password" it is retyped.
const NEW_PASSWORDS = 'input[type="password"][autocomplete="new-password"]';
let kept = null; // {action, values: {field name: value}} between a swap's two halves

document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.target;
  kept = null;
  if (!(form instanceof HTMLFormElement)) return;
  const fields = form.querySelectorAll(NEW_PASSWORDS);
  if (fields.length === 0) return;
  kept = { action: form.getAttribute("action"), values: {} };
  for (const input of fields) kept.values[input.name] = input.value;
});

document.addEventListener("htmx:afterSwap", () => {
  if (!kept) return;
  const { action, values } = kept;
  kept = null;
  const form = Array.from(document.forms).find((each) => each.getAttribute("action") === action);
  for (const input of form?.querySelectorAll(NEW_PASSWORDS) ?? []) {
    if (input.getAttribute("aria-invalid") === "true") break;
    if (values[input.name]) input.value = values[input.name];
  }
});
