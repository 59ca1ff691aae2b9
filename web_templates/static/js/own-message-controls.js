// The message menu on live messages: Reply and React on every one, Edit and Delete on the viewer's
// own. The server renders one copy of each live message for everyone, so the menu is added
// here, with the markup web/conversation.py writes on the page (the server checks every
// request again: anyone else's message answers 404 to Edit). Edit only while the room's
// edit window (data-edit-minutes) is open.
const chat = document.querySelector("section.chat[data-viewer-author]");
const log = document.getElementById("chat-log");

function editOpen(message) {
  const time = message.querySelector(".message-meta time");
  const posted = time ? new Date(time.getAttribute("datetime")).getTime() : NaN;
  const minutes = Number(chat.dataset.editMinutes) || 0;
  return !Number.isNaN(posted) && Date.now() - posted < minutes * 60000;
}

function item(className, href, text) {
  const entry = document.createElement("li");
  const anchor = document.createElement("a");
  Object.assign(anchor, { className, href, textContent: text });
  entry.append(anchor);
  return entry;
}

function menu(message) {
  const base = `/rooms/${encodeURIComponent(chat.dataset.room)}/messages/${message.dataset.messageId}`;
  const details = document.createElement("details");
  details.className = "menu message-actions";
  const summary = document.createElement("summary");
  const dots = document.createElement("span");
  dots.setAttribute("aria-hidden", "true");
  dots.textContent = "⋯";
  const name = document.createElement("span");
  Object.assign(name, { className: "visually-hidden", textContent: "Message actions" });
  summary.append(dots, name);
  const items = document.createElement("ul");
  items.className = "menu-items";
  items.append(item("reply-message", base + "/reply", "Reply"));
  items.append(item("react-message", base + "/reactions", "React"));
  const own = message.dataset.author === chat.dataset.viewerAuthor;
  if (own && editOpen(message)) items.append(item("edit-message", base + "/edit", "Edit"));
  if (own) items.append(item("delete-message", base + "/delete", "Delete"));
  details.append(summary, items);
  return details;
}

function addControls() {
  // htmx swaps a message in with the old one's attributes for a moment (its settle): a
  // deleted message may have got controls while it still looked alive.
  for (const stray of log.querySelectorAll("li.message-deleted .message-actions")) stray.remove();
  for (const message of log.querySelectorAll("li.message")) {
    if (message.matches(".message-deleted") || message.querySelector(".message-actions, .message-change-form")) continue;
    message.append(menu(message));
  }
}

if (chat && log) {
  addControls();
  new MutationObserver(addControls).observe(log, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
  });
}
