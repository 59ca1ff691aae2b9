// "Add someone by name" with the suggestion list the @ mentions use (issue 37, item 9):
// typing asks GET /rooms/<slug>/add-suggestions?q=… (people not in the room yet) into
// #add-suggestions; Up/Down move, Enter or Tab writes the option's data-value (the name,
// with its account tag when two people share it) into the field, Escape closes, a click
// picks. While open the field is an ARIA combobox. Without JavaScript the name typed by
// hand is looked up by the server (adding_people/person_choice.py).
import { on } from "./events.js";

const LOOKUP_DELAY_MS = 120;
const FIELD = "#member-form input[name=name]";
let lookupTimer = null;

const field = () => document.querySelector(FIELD);
const list = () => document.getElementById("add-suggestions");
const options = () => [...(list()?.querySelectorAll('[role="option"]') ?? [])];
const selected = () => options().find((option) => option.getAttribute("aria-selected") === "true");
const isOpen = () => field()?.getAttribute("aria-expanded") === "true";

function select(option) {
  for (const each of options()) each.setAttribute("aria-selected", each === option ? "true" : "false");
  if (option) {
    field()?.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }
}

function open() {
  const input = field();
  if (!input || !list() || options().length === 0) return close();
  list().hidden = false;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "true");
  input.setAttribute("aria-controls", "add-suggestions");
  select(selected() ?? options()[0]);
}

function close() {
  if (list()) list().hidden = true;
  for (const name of ["role", "aria-expanded", "aria-activedescendant"]) field()?.removeAttribute(name);
}

function pick(option) {
  const input = field();
  close();
  if (!input || !option) return;
  input.value = option.dataset.value;
  input.focus();
}

function move(step) {
  const found = options();
  if (found.length === 0) return;
  select(found[(found.indexOf(selected()) + step + found.length) % found.length]);
}

function ask(input) {
  const typed = input.value.trim();
  if (!typed) return close();
  const url = input.form.getAttribute("action").replace(/\/members$/, "/add-suggestions") + "?q=" + encodeURIComponent(typed);
  const swap = { source: "#add-suggestions", target: "#add-suggestions", swap: "outerHTML" };
  htmx.ajax("GET", url, swap).then(() => (input.value.trim() === typed ? open() : ask(input)), close);
}

on("input", FIELD, (event, input) => {
  clearTimeout(lookupTimer);
  lookupTimer = setTimeout(() => ask(input), LOOKUP_DELAY_MS);
});

on("keydown", FIELD, (event) => {
  if (!isOpen() || event.isComposing) return;
  const actions = { ArrowDown: () => move(1), ArrowUp: () => move(-1), Enter: () => pick(selected()), Tab: () => pick(selected()), Escape: close };
  const action = event.shiftKey ? null : actions[event.key];
  if (!action) return;
  action();
  event.preventDefault();
});

on("mousedown", "#add-suggestions [role=option]", (event, option) => {
  event.preventDefault();
  pick(option);
});

on("focusout", FIELD, close);
