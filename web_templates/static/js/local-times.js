// Message times and day separators in the viewer's own time zone and language. The server
// writes UTC (<time datetime>, separators by UTC day): without this script the page still
// reads right, only in UTC. With it every message time shows the local clock, and the
// separators are rebuilt by local day ("Today", "Yesterday", a date), including for live
// messages, older pages and edited messages, whatever inserts them.
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

const startOfDay = (date) => new Date(date.getFullYear(), date.getMonth(), date.getDate());
const dayKey = (date) =>
  [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((part) => String(part).padStart(2, "0")).join("-");

function dayLabel(date) {
  const days = Math.round((startOfDay(date) - startOfDay(new Date())) / 86400000);
  if (days !== 0 && days !== -1) return longDate.format(date);
  const label = relative.format(days, "day");
  return label.charAt(0).toLocaleUpperCase() + label.slice(1);
}

function localise(time) {
  const moment = new Date(time.getAttribute("datetime"));
  if (Number.isNaN(moment.getTime())) return null;
  if (time.dataset.localised !== "yes") {
    time.textContent = clock.format(moment);
    time.title = full.format(moment);
    time.dataset.localised = "yes";
  }
  return moment;
}

function separator(moment) {
  const item = document.createElement("li");
  item.className = "day-separator";
  item.dataset.day = dayKey(moment);
  const text = document.createElement("span");
  text.className = "day-label";
  text.textContent = dayLabel(moment);
  item.append(text);
  return item;
}

// One pass over the whole conversation (older messages, then the live list): every
// separator is dropped and put back where the local day changes, above the day's first
// message or member line (chat_svc/member_lines/), as the server puts it.
function relayout(root) {
  for (const old of root.querySelectorAll(".day-separator")) old.remove();
  let previousDay = null;
  for (const item of root.querySelectorAll("li.message, li.member-line")) {
    const time = item.querySelector(".message-time");
    const moment = time ? localise(time) : null;
    if (!moment || dayKey(moment) === previousDay) continue;
    // Above a "new messages" divider that sits right before this item.
    const above = item.previousElementSibling;
    const before = above?.classList.contains("unread-divider") ? above : item;
    before.before(separator(moment));
    previousDay = dayKey(moment);
  }
}

function watch(root) {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    // After the swap settles; our own changes below are not observed.
    requestAnimationFrame(() => {
      pending = false;
      observer.disconnect();
      relayout(root);
      observer.observe(root, { childList: true, subtree: true });
    });
  });
  relayout(root);
  observer.observe(root, { childList: true, subtree: true });
}

const log = document.getElementById("chat-log");
if (log) watch(log);
for (const list of document.querySelectorAll(".message-list")) {
  if (!log?.contains(list)) watch(list.parentNode);
}
