// A character count appears under the message box near the limit (data-max-chars), and
// says when the text is over it.
import { hear, on, onSettle } from "./events.js";

const FORM = "#message-form";
const COUNT_FROM_REMAINING = 200;

function updateCount(form) {
  const text = form?.querySelector("textarea");
  const count = form?.querySelector("#char-count");
  const max = Number(form?.dataset.maxChars);
  if (!text || !count || !max) return;
  const length = text.value.length;
  count.hidden = max - length > COUNT_FROM_REMAINING;
  count.textContent = length.toLocaleString() + " / " + max.toLocaleString();
  count.dataset.over = length > max ? "yes" : "no";
}

on("input", `${FORM} textarea`, (event, text) => updateCount(text.form));
// drafts.js has put a kept draft back (or found none) in a new form.
hear("box-filled", updateCount);
onSettle(FORM, updateCount);
updateCount(document.querySelector(FORM));
