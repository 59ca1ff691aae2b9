// A form with data-confirm asks before it is sent ("Leave Design? …"): a cancelled
// question stops the submit before any other behaviour sees it. Without JavaScript the
// form is sent as it is.
import { on } from "./events.js";

on("submit", "form[data-confirm]", (event, form) => {
  if (window.confirm(form.dataset.confirm)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
}, { capture: true });
