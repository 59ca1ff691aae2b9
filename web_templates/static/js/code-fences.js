// Code blocks in messages (chat_svc/formatting/): a Copy button on each, and in the message
// box Enter starts a new line while the caret is inside an open ``` block (enter-sends.js
// asks insideFence before it sends).
const log = document.getElementById("chat-log");

// An odd number of fence lines before the caret: the block is still open.
export function insideFence(box) {
  const before = box.value.slice(0, box.selectionStart);
  return (before.match(/^\s*```/gm) || []).length % 2 === 1;
}

function copyButton(pre) {
  const button = document.createElement("button");
  Object.assign(button, { type: "button", className: "code-copy", textContent: "Copy" });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(pre.textContent);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  });
  return button;
}

function addCopyButtons() {
  for (const pre of log.querySelectorAll(".message-text pre:not(.code-block pre)")) {
    const block = document.createElement("div");
    block.className = "code-block";
    pre.replaceWith(block);
    block.append(pre, copyButton(pre));
  }
}

if (log) {
  addCopyButtons();
  new MutationObserver(addCopyButtons).observe(log, { childList: true, subtree: true });
}
