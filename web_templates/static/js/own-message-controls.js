// Edit and Delete under the viewer's own messages. The server renders one copy of each
// live message for everyone, so the links are added here to the viewer's own (the server
// checks every request again: anyone else's message answers 404). Edit only while the
// room's edit window (data-edit-minutes) is open.
const chat = document.querySelector("section.chat[data-viewer-author]");
const log = document.getElementById("chat-log");

function editOpen(message) {
  const time = message.querySelector(".message-meta time");
  const posted = time ? new Date(time.getAttribute("datetime")).getTime() : NaN;
  const minutes = Number(chat.dataset.editMinutes) || 0;
  return !Number.isNaN(posted) && Date.now() - posted < minutes * 60000;
}

function link(className, href, text) {
  const anchor = document.createElement("a");
  Object.assign(anchor, { className, href, textContent: text });
  return anchor;
}

function addControls() {
  // htmx swaps a message in with the old one's attributes for a moment (its settle): a
  // deleted message may have got controls while it still looked alive.
  for (const stray of log.querySelectorAll("li.message-deleted .message-actions")) stray.remove();
  for (const message of log.querySelectorAll("li.message")) {
    if (message.dataset.author !== chat.dataset.viewerAuthor) continue;
    if (message.matches(".message-deleted") || message.querySelector(".message-actions, .message-change-form")) continue;
    const base = `/rooms/${encodeURIComponent(chat.dataset.room)}/messages/${message.dataset.messageId}`;
    const actions = document.createElement("p");
    actions.className = "message-actions";
    if (editOpen(message)) actions.append(link("edit-message", base + "/edit", "Edit"), " ");
    actions.append(link("delete-message", base + "/delete", "Delete"));
    message.append(actions);
  }
}

if (chat && log) {
  addControls();
  new MutationObserver(addControls).observe(log, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
  });
}
