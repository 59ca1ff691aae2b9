// On phones the rooms are a drawer: the header's "Rooms" link (without JavaScript, the page
// of rooms) opens it over the room. Escape, a tap outside or choosing a room closes it; the
// focus moves into it and back to the button.
import { on } from "./events.js";

const toggle = document.querySelector(".drawer-toggle");
const drawer = document.getElementById("sidebar");

function setOpen(open) {
  drawer.toggleAttribute("data-open", open);
  toggle.setAttribute("aria-expanded", String(open));
  if (open) drawer.querySelector("a[aria-current], a")?.focus();
  else toggle.focus();
}

if (toggle && drawer) {
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    setOpen(!drawer.hasAttribute("data-open"));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && drawer.hasAttribute("data-open")) setOpen(false);
  });
  on("click", "body", (event) => {
    if (!drawer.hasAttribute("data-open")) return;
    if (!drawer.contains(event.target) && !toggle.contains(event.target)) setOpen(false);
  });
}
