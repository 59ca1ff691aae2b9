// Messages of one author within five minutes share one header: each later one is marked
// "continued" (no avatar or name; its time shows on hover or focus). The server marks the
// page it renders (web/conversation.py, the same rule); live messages, older pages, edits
// and deletions are marked here, whatever inserts them.
const GROUP_WITHIN_MS = 5 * 60 * 1000;

const postedAt = (message) => {
  const time = message.querySelector(".message-meta time");
  return time ? new Date(time.getAttribute("datetime")).getTime() : NaN;
};

function continues(message, previous) {
  if (!previous?.matches("li.message") || message.matches(".message-deleted") || previous.matches(".message-deleted")) return false;
  if (!message.dataset.author || message.dataset.author !== previous.dataset.author) return false;
  const gap = postedAt(message) - postedAt(previous);
  return gap >= 0 && gap < GROUP_WITHIN_MS;
}

export function regroup(root) {
  for (const message of root.querySelectorAll("li.message")) {
    message.classList.toggle("continued", continues(message, message.previousElementSibling));
  }
}

const log = document.getElementById("chat-log");
if (log) {
  regroup(log);
  // Only the list's items are watched: the classes set here do not call it again.
  new MutationObserver(() => regroup(log)).observe(log, { childList: true, subtree: true });
}
