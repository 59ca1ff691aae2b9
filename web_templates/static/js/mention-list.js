// The message box's @ suggestion list (#mention-suggestions, issue 14) as an ARIA
// combobox while it is open: the box gets role, aria-expanded and aria-activedescendant
// (each move is read out). Closed, the box is a plain text box again: a textarea may not
// carry the combobox role for good, and aria-expanded is not allowed on a text box.
import { onSettle } from "./events.js";

export const box = () => document.querySelector("#message-form textarea");
const list = () => document.getElementById("mention-suggestions");
const options = () => [...(list()?.querySelectorAll('[role="option"]') ?? [])];
export const selected = () => options().find((option) => option.getAttribute("aria-selected") === "true");
export const isOpen = () => box()?.getAttribute("aria-expanded") === "true";

// What the box may carry at all times, once per (new) form.
function prepare(text) {
  if (!text || text.dataset.mentions === "ready") return;
  text.dataset.mentions = "ready";
  text.setAttribute("aria-autocomplete", "list");
  text.setAttribute("aria-controls", "mention-suggestions");
}

export function select(option) {
  for (const each of options()) each.setAttribute("aria-selected", each === option ? "true" : "false");
  const text = box();
  if (text && option) {
    text.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }
}

export function open() {
  const text = box();
  const current = list();
  const found = options();
  if (!text || !current || found.length === 0) return close();
  current.hidden = false;
  text.setAttribute("role", "combobox");
  text.setAttribute("aria-expanded", "true");
  select(selected() ?? found[0]);
}

export function close() {
  const current = list();
  if (current) current.hidden = true;
  for (const name of ["role", "aria-expanded", "aria-activedescendant"]) box()?.removeAttribute(name);
}

export function move(step) {
  const found = options();
  if (found.length === 0) return;
  const index = found.indexOf(selected());
  select(found[(index + step + found.length) % found.length]);
}

// A sent message brings a fresh form (and an empty list).
onSettle("#message-form", (form) => prepare(form.querySelector("textarea")));
prepare(box());
