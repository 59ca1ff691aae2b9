// "N replies" on an original, kept current as replies arrive live (the server counts them
// in the store; a page loaded later shows its count). Each reply counts once: those on the
// page at load are in the server's count, and an edited reply swapped in is not new.
const log = document.getElementById("chat-log");
const counted = new Set();

function countLink(original, count) {
  let link = original.querySelector(":scope > a.reply-count");
  if (!link) {
    link = document.createElement("a");
    link.className = "reply-count";
    link.href = `/rooms/${encodeURIComponent(log.closest("[data-room]")?.dataset.room ?? "")}/messages/${original.dataset.messageId}/replies`;
    const menu = original.querySelector(":scope > .message-actions");
    if (menu) menu.before(link);
    else original.append(link);
  }
  link.textContent = `${count} ${count === 1 ? "reply" : "replies"}`;
}

function countNewReplies(initial) {
  for (const reply of log.querySelectorAll("li.message:has(> a.reply-quote)")) {
    if (counted.has(reply.dataset.messageId)) continue;
    counted.add(reply.dataset.messageId);
    if (initial) continue;
    const originalId = new URL(reply.querySelector("a.reply-quote").href).searchParams.get("around");
    const original = document.getElementById(`message-${originalId}`);
    if (!original || original.matches(".message-deleted")) continue;
    const now = Number(original.querySelector(":scope > a.reply-count")?.textContent.split(" ")[0]) || 0;
    countLink(original, now + 1);
  }
}

if (log) {
  countNewReplies(true);
  new MutationObserver(() => countNewReplies(false)).observe(log, { childList: true, subtree: true });
}
