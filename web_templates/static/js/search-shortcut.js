// "/" anywhere but in a text field focuses the search box (the header's, or the search
// page's own), as in most chat apps.
const BOXES = "#search-query, #header-search";

function typingInField(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typingInField(event.target)) return;
  const box = document.querySelector(BOXES);
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});
