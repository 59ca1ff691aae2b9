// The bell menu marks the room's notification level (aria-current; app.css draws a check).
// The page comes marked; a change made in another tab or on another device redraws the
// sidebar, whose entry for this room says the level (data-level): the menu, loaded and
// marked again each time it opens (menus.js), follows it.
const DEFAULT_LEVEL = "mentions"; // chat_svc/push/levels/levels.py

export function markLevel() {
  const room = document.getElementById("live")?.dataset.room ?? "";
  const entry = document.querySelector(`.sidebar-entry[data-room="${CSS.escape(room)}"]`);
  if (!entry) return;
  const level = entry.dataset.level ?? DEFAULT_LEVEL;
  for (const button of document.querySelectorAll('.level-menu button[name="level"]')) {
    if (button.value === level) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}
