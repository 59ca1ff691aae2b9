// The room page's behaviours, one module each; each finds its own elements and events.
import "./confirm-submit.js";
import "./local-times.js";
import "./viewer-marks.js";
import "./message-groups.js";
import "./live-order.js";
import "./follow-newest.js";
import "./read-marks.js";
import "./older-messages.js";
import "./newer-messages.js";
import "./stream-status.js";
import "./stream-resume.js";
import "./stream-orders.js";
import "./unread-badges.js";
import "./tab-title.js";
import "./push-opt-in.js";
import "./here-now.js";
import "./typing-line.js";
import "./person-names.js";
import "./typing-signal.js";
import "./own-message-controls.js";
import "./menus.js";
import "./drawer.js";
import "./inline-edit.js";
import "./send-status.js";
import "./drafts.js";
import "./char-count.js";
import "./enter-sends.js";
import "./code-fences.js";
import "./reply-composer.js";
import "./reply-counts.js";
import "./reactions.js";
import "./mention-list.js";
import "./mention-lookup.js";
import "./mention-picker.js";
import "./composer-files.js";
import "./image-links.js";
// Error events do not bubble: caught as they go down. The retries load with the first one.
document.addEventListener(
  "error",
  ({ target }) => {
    if (target instanceof HTMLImageElement && target.closest(".message-image, .message-pdf"))
      import("./thumbnail-retry.js").then((module) => module.retryPreview(target));
  },
  true,
);
if (document.getElementById("member-form")) import("./add-person-picker.js"); // closed rooms
