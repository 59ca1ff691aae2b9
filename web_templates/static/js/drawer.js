// On phones the rooms are a drawer: the header's "Rooms" link (without JavaScript, the page
// of rooms) opens it over the room. Escape, a tap outside or choosing a room closes it; the
// focus moves into it and back to the button. The state is the body's: the stream may
// replace the sidebar while it is open.
const toggle = document.querySelector(".drawer-toggle");
const drawer = () => document.getElementById("sidebar");
const isOpen = () => document.body.hasAttribute("data-drawer-open");

function setOpen(open) {
  document.body.toggleAttribute("data-drawer-open", open);
  toggle.setAttribute("aria-expanded", String(open));
  if (open) drawer()?.querySelector("a[aria-current], a")?.focus();
  else toggle.focus();
}

if (toggle && drawer()) {
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    setOpen(!isOpen());
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) setOpen(false);
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !drawer()?.contains(event.target) && !toggle.contains(event.target)) setOpen(false);
  });
}
