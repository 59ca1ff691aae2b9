// Message times and day separators in the viewer's own time zone and language.
// The server writes UTC (<time datetime>, separators by UTC day): without this script the
// page still reads right, only in UTC. With it every message time shows the local clock,
// and the separators are rebuilt by local day ("Today", "Yesterday", a date), including
// for live messages, older pages and edited messages, whatever inserts them.
(function () {
  "use strict";

  var clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  var full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
  var longDate = new Intl.DateTimeFormat(undefined, {
    weekday: "long", year: "numeric", month: "long", day: "numeric",
  });
  var relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

  function dayKey(date) {
    return date.getFullYear() + "-" + String(date.getMonth() + 1).padStart(2, "0") + "-" +
      String(date.getDate()).padStart(2, "0");
  }

  function capitalised(text) {
    return text.charAt(0).toLocaleUpperCase() + text.slice(1);
  }

  function dayLabel(date) {
    var today = new Date();
    var startOfToday = new Date(today.getFullYear(), today.getMonth(), today.getDate());
    var startOfDay = new Date(date.getFullYear(), date.getMonth(), date.getDate());
    var days = Math.round((startOfDay - startOfToday) / 86400000);
    if (days === 0 || days === -1) return capitalised(relative.format(days, "day"));
    return longDate.format(date);
  }

  function localise(time) {
    var moment = new Date(time.getAttribute("datetime"));
    if (isNaN(moment.getTime())) return null;
    if (time.dataset.localised !== "yes") {
      time.textContent = clock.format(moment);
      time.title = full.format(moment);
      time.dataset.localised = "yes";
    }
    return moment;
  }

  function separator(moment) {
    var label = dayLabel(moment);
    var item = document.createElement("li");
    item.className = "day-separator";
    item.dataset.day = dayKey(moment);
    var text = document.createElement("span");
    text.className = "day-label";
    text.textContent = label;
    item.appendChild(text);
    return item;
  }

  // One pass over the whole conversation (older messages, then the live list): every
  // separator is dropped and put back where the local day changes.
  function relayout(root) {
    root.querySelectorAll(".day-separator").forEach(function (old) { old.remove(); });
    var previousDay = null;
    root.querySelectorAll("li.message").forEach(function (message) {
      var time = message.querySelector(".message-meta time");
      var moment = time ? localise(time) : null;
      if (!moment) return;
      var day = dayKey(moment);
      if (day !== previousDay) {
        // Above a "new messages" divider that sits right before this message.
        var before = message;
        var above = message.previousElementSibling;
        if (above && above.classList.contains("unread-divider")) before = above;
        before.parentNode.insertBefore(separator(moment), before);
        previousDay = day;
      }
    });
  }

  function watch(root) {
    var pending = false;
    var observer = new MutationObserver(function () {
      if (pending) return;
      pending = true;
      // After the swap settles; our own changes below are not observed.
      requestAnimationFrame(function () {
        pending = false;
        observer.disconnect();
        relayout(root);
        observer.observe(root, { childList: true, subtree: true });
      });
    });
    relayout(root);
    observer.observe(root, { childList: true, subtree: true });
  }

  function start() {
    var log = document.getElementById("chat-log");
    if (log) watch(log);
    document.querySelectorAll(".message-list").forEach(function (list) {
      if (!log || !log.contains(list)) watch(list.parentNode);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
