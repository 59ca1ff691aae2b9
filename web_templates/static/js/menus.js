// Pop-up menus (<details class="menu">: the account menu, each message's menu). They open
// without JavaScript; here one open menu closes the others, Escape closes it and gives the
// focus back to its button, a click elsewhere closes it, and a long press on a message
// (a touch screen's context menu) opens that message's menu.
import { on } from "./events.js";

const openMenus = () => document.querySelectorAll("details.menu[open]");

function closeAll(except) {
  for (const menu of openMenus()) if (menu !== except) menu.open = false;
}

on("toggle", "details.menu", (event, menu) => {
  if (menu.open) closeAll(menu);
  if (menu.open && menu.matches(".level-menu")) import("./level-menu.js").then((m) => m.markLevel());
}, { capture: true });

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = event.target instanceof Element ? event.target.closest("details.menu[open]") : null;
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary")?.focus();
});

document.addEventListener("click", (event) => {
  const inside = event.target instanceof Element ? event.target.closest("details.menu") : null;
  closeAll(inside);
});

on("contextmenu", "li.message", (event, message) => {
  const menu = message.querySelector(":scope > details.message-actions");
  if (!menu || !matchMedia("(hover: none)").matches) return;
  event.preventDefault();
  menu.open = true;
  menu.querySelector("a")?.focus();
});
