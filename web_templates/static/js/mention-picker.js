// Picking from the @ suggestion list: Up/Down move, Enter or Tab insert "@Display Name ",
// Escape closes, a click picks. While the list is open its keys are taken before
// enter-sends.js sees them (Enter picks a name, it never sends); with the list closed
// nothing here touches a key.
import { on } from "./events.js";
import { box, isOpen, move, select, selected } from "./mention-list.js";
import { forget, mentionAtCaret } from "./mention-lookup.js";

// "@Ann L|" becomes "@Ann Lee |"; the box's other behaviours hear an input event (draft,
// counter).
function insert(option) {
  const text = box();
  const at = text ? mentionAtCaret(text) : null;
  forget();
  if (!text || !option || !at) return;
  // Two listed with this name: the account tag says which one (shown as the name alone).
  const same = [...option.parentElement.children].filter(
    (other) => other.dataset.name?.toLowerCase() === option.dataset.name.toLowerCase());
  const tag = same.length > 1 ? "~" + option.dataset.handle : "";
  const name = "@" + option.dataset.name + tag + " ";
  text.value = text.value.slice(0, at.start) + name + text.value.slice(at.end);
  text.setSelectionRange(at.start + name.length, at.start + name.length);
  text.focus();
  text.dispatchEvent(new Event("input", { bubbles: true }));
}

function keyAction(event) {
  if (event.key === "ArrowDown") return () => move(1);
  if (event.key === "ArrowUp") return () => move(-1);
  if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) return () => insert(selected());
  if (event.key === "Escape") return forget;
  return null;
}

// Capturing, so that it runs before enter-sends.js's Enter-to-send.
on("keydown", "#message-form textarea", (event, text) => {
  const action = keyAction(event);
  if (text !== box() || !isOpen() || event.isComposing || !action) return;
  action();
  event.preventDefault();
  event.stopPropagation();
}, true);

// A click picks (mousedown would otherwise take the focus from the box first).
on("mousedown", "#mention-suggestions [role=option]", (event, option) => {
  event.preventDefault();
  select(option);
  insert(option);
});

on("focusout", "#message-form textarea", forget);
