// The bell menu marks the room's notification level (aria-current; app.css draws a check).
// The page comes marked; when the level changes in another tab or on another device, the
// stream redraws the sidebar, whose entry for this room says the level (data-level), and
// the mark moves with it.
const DEFAULT_LEVEL = "mentions"; // chat_svc/push/levels/levels.py

function markLevel() {
  const room = document.getElementById("live")?.dataset.room ?? "";
  const entry = document.querySelector(`.sidebar-entry[data-room="${CSS.escape(room)}"]`);
  if (!entry) return;
  const level = entry.dataset.level ?? DEFAULT_LEVEL;
  for (const button of document.querySelectorAll('.level-menu button[name="level"]')) {
    const chosen = button.value === level;
    if (chosen !== (button.getAttribute("aria-current") === "true")) {
      if (chosen) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }
}

const layout = document.querySelector(".room-layout");
if (layout) new MutationObserver(markLevel).observe(layout, { subtree: true, childList: true });
markLevel();
