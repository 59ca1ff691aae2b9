/* The room page: keep live messages in id order exactly once, resume after a dropped
   stream from the last id held (htmx's SSE extension does not send Last-Event-ID on its
   own reconnects), keep the newest in view, Enter sends and Shift+Enter adds a line, and
   keep the sidebar's unread and mention counts current from the same stream, and
   highlight live messages that mention the viewer. */
(function () {
  "use strict";

  function messageId(element) {
    return Number(element.getAttribute("data-message-id")) || 0;
  }

  function lastMessageId() {
    var last = 0;
    document.querySelectorAll("#messages [data-message-id]").forEach(function (item) {
      last = Math.max(last, messageId(item), Number(item.getAttribute("data-event-id")) || 0);
    });
    return last;
  }

  function roomPath() {
    var live = document.getElementById("live");
    return "/rooms/" + encodeURIComponent(live ? live.getAttribute("data-room") : "general");
  }

  // The extension re-reads sse-connect when it reconnects: point it past what we hold.
  function updateResumePoint() {
    var live = document.getElementById("live");
    if (live) {
      live.setAttribute("sse-connect", roomPath() + "/events?after=" + lastMessageId());
    }
  }

  // [{"room": slug, "count": n}, …] for the person's other rooms; a room the sidebar does
  // not list yet (a new direct conversation, being added to a room) reloads the sidebar.
  function showUnread(data) {
    var updates;
    try {
      updates = JSON.parse(data);
    } catch (error) {
      return;
    }
    var entries = {};
    document.querySelectorAll(".sidebar-entry").forEach(function (entry) {
      entries[entry.getAttribute("data-room")] = entry;
    });
    var missing = false;
    updates.forEach(function (update) {
      var entry = entries[update.room];
      if (!entry) {
        missing = missing || update.count > 0;
        return;
      }
      var badge = entry.querySelector(".unread-count");
      var count = Number(update.count) || 0;
      entry.classList.toggle("has-unread", count > 0);
      if (badge) {
        badge.firstChild.textContent = String(count);
        badge.hidden = count === 0;
      }
      showMentionCount(entry, Number(update.mentions) || 0);
    });
    if (missing) {
      var live = document.getElementById("live");
      var room = live ? live.getAttribute("data-room") : "";
      htmx.ajax("GET", "/sidebar?room=" + encodeURIComponent(room), {
        target: "#sidebar",
        swap: "outerHTML",
      });
    }
  }

  // "@2" beside the unread count: unread messages that mention the person.
  function showMentionCount(entry, mentions) {
    var badge = entry.querySelector(".mention-count");
    entry.classList.toggle("has-mentions", mentions > 0);
    if (!badge || badge.children.length < 2) {
      return;
    }
    badge.children[0].textContent = "@" + mentions;
    badge.children[1].textContent = mentions + (mentions === 1 ? " mention" : " mentions");
    badge.hidden = mentions === 0;
  }

  // Live messages (and edits swapped in) are rendered once for everyone: highlight those
  // whose data-mentions holds the viewer's tag (the server does the same on the page).
  function markMentionsOfViewer() {
    var chat = document.getElementById("chat");
    var tag = chat && chat.dataset.viewerAuthor;
    if (!tag || !/^[0-9a-f]+$/.test(tag)) {
      return;
    }
    document
      .querySelectorAll('#conversation [data-mentions~="' + tag + '"]:not(.mentions-you)')
      .forEach(function (item) {
        item.classList.add("mentions-you");
      });
  }

  // Times and day separators are local-times.js's work (it watches every insertion).
  function showLocalTimes(root) {}

  function nearBottom(log) {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToNewest(force) {
    var log = document.getElementById("chat-log");
    if (log && (force || nearBottom(log))) {
      log.scrollTop = log.scrollHeight;
    }
  }

  // A message appended by the extension: drop it if we already have it, else move it
  // before any newer one (replicas may publish two close messages out of order).
  function settleNewest(list) {
    var item = list.lastElementChild;
    if (!item || !item.hasAttribute("data-message-id")) {
      return;
    }
    var id = messageId(item);
    if (list.querySelectorAll('[data-message-id="' + id + '"]').length > 1) {
      item.remove();
      return;
    }
    var before = item.previousElementSibling;
    while (before && messageId(before) > id) {
      before = before.previousElementSibling;
    }
    if (before !== item.previousElementSibling) {
      list.insertBefore(item, before ? before.nextElementSibling : list.firstElementChild);
    }
    showLocalTimes(item);
    markOwnMessage(item);
  }

  // Live messages are rendered once for everyone: mark the person's own here.
  function markOwnMessage(item) {
    var chat = document.getElementById("chat");
    var own = chat && chat.dataset.viewerAuthor && item.getAttribute("data-author") === chat.dataset.viewerAuthor;
    item.classList.toggle("own-message", Boolean(own));
    return Boolean(own);
  }

  // "New messages ↓": shown when a message arrives while the person reads further up.
  function showJumpToNewest(show) {
    var jump = document.getElementById("jump-to-newest");
    if (jump) {
      jump.hidden = !show;
    }
  }

  function watchJumpToNewest() {
    var log = document.getElementById("chat-log");
    var jump = document.getElementById("jump-to-newest");
    if (!log || !jump) {
      return;
    }
    log.addEventListener("scroll", function () {
      if (nearBottom(log)) {
        showJumpToNewest(false);
      }
    });
    jump.addEventListener("click", function () {
      scrollToNewest(true);
      showJumpToNewest(false);
      var box = document.querySelector("#message-form textarea");
      if (box) {
        box.focus();
      }
    });
  }

  document.addEventListener("htmx:sseBeforeMessage", function () {
    var log = document.getElementById("chat-log");
    document.body.dataset.stickToBottom = log && nearBottom(log) ? "yes" : "no";
  });

  document.addEventListener("htmx:sseMessage", function (event) {
    var list = document.getElementById("messages");
    if (!list || event.target !== list) {
      return;
    }
    settleNewest(list);
    markMentionsOfViewer();
    var empty = document.querySelector(".empty-chat");
    if (empty) {
      empty.remove();
    }
    updateResumePoint();
    heardFromServer();
    var newest = list.lastElementChild;
    var own = newest && newest.classList.contains("own-message");
    var follow = own || document.body.dataset.stickToBottom === "yes";
    scrollToNewest(follow);
    showJumpToNewest(!follow);
  });

  // Tell the person whether new messages arrive live; the stream resumes by itself.
  var STATUS_TEXT = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Reconnecting…",
    offline: "Offline: messages sent meanwhile appear when you are back online.",
    paused: "Paused: this chat is open in too many tabs. Reload this tab to resume here.",
    silent: "No news from the server for a while: still trying to reach it…",
  };
  var activeSource = null;
  function showLiveState(state) {
    var live = document.getElementById("live");
    var status = document.getElementById("live-status");
    if (live) {
      live.dataset.state = state;
    }
    if (status) {
      status.hidden = false;
      status.textContent = STATUS_TEXT[state] || "";
      status.dataset.state = state;
    }
    if (state === "live") {
      // composer.js retries a send that failed while the stream was down.
      document.dispatchEvent(new CustomEvent("chat:live"));
    }
  }

  // A stream can go silent without closing (a paused or stuck server): the server sends
  // a heartbeat event every data-heartbeat-seconds; two missed in a row are reported.
  var lastHeard = Date.now();
  function heardFromServer() {
    lastHeard = Date.now();
    var live = document.getElementById("live");
    if (live && live.dataset.state === "silent") {
      showLiveState("live");
    }
  }

  function watchForSilence() {
    var live = document.getElementById("live");
    var seconds = live ? Number(live.dataset.heartbeatSeconds) : 0;
    if (!seconds) {
      return;
    }
    window.setInterval(function () {
      var current = document.getElementById("live");
      if (current && current.dataset.state === "live" && Date.now() - lastHeard > 2 * seconds * 1000 + 1000) {
        showLiveState("silent");
      }
    }, 1000);
  }

  document.addEventListener("htmx:sseError", function () {
    showLiveState("reconnecting");
  });

  // A dropped network often leaves a half-open connection that looks alive for minutes:
  // close the stream when the browser goes offline and resume from the last id held when
  // it is back (a fresh #live element makes the extension connect again).
  window.addEventListener("offline", function () {
    if (activeSource) {
      activeSource.close();
      activeSource = null;
    }
    showLiveState("offline");
  });

  window.addEventListener("online", function () {
    var live = document.getElementById("live");
    if (!live || live.dataset.state !== "offline") {
      return;
    }
    updateResumePoint();
    var fresh = live.cloneNode(true);
    fresh.dataset.state = "connecting";
    live.replaceWith(fresh);
    htmx.process(fresh);
    showLiveState("reconnecting");
  });

  document.addEventListener("htmx:sseOpen", function (event) {
    lastHeard = Date.now();
    showLiveState("live");
    var source = event.detail.source;
    activeSource = source;
    if (!source || source.chatHooked) {
      return;
    }
    source.chatHooked = true;
    source.addEventListener("signed-out", function () {
      source.close();
      // This tab's own sign-out is already navigating away; other tabs reload, and the
      // page itself then redirects to sign in.
      if (document.body.dataset.leaving !== "yes") {
        // composer.js keeps the draft and says why, once the person is back.
        document.dispatchEvent(new CustomEvent("chat:signed-out"));
        window.location.reload();
      }
    });
    source.addEventListener("too-many-streams", function () {
      // Newer tabs of this session took over; reloading here would close the next oldest.
      source.close();
      activeSource = null;
      showLiveState("paused");
    });
    source.addEventListener("reload", function () {
      source.close();
      // Too far behind to replay: fetch the latest list (and a fresh stream) instead.
      htmx.ajax("GET", roomPath(), { target: "#conversation", swap: "outerHTML" });
    });
    source.addEventListener("heartbeat", heardFromServer);
    source.addEventListener("unread", function (event) {
      showUnread(event.data);
    });
    source.addEventListener("gone", function () {
      // No longer a member: the page itself now says so (or that the room is gone).
      source.close();
      window.location.reload();
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target) {
      return;
    }
    if (target.id === "conversation" || target.id === "older-messages") {
      markMentionsOfViewer(); // also when a page comes pre-rendered for every viewer
    }
    if (target.id === "conversation") {
      showLocalTimes(target);
      scrollToNewest(true);
    } else if (target.id === "older-messages") {
      showLocalTimes(target);
      announceOlderLoaded(target);
    } else if (target.id === "message-form") {
      var box = target.querySelector("textarea");
      if (box) {
        box.focus();
      }
    }
  });

  // "Load older messages" replaces itself: keep keyboard focus on it (or on "Start of the
  // conversation") and tell screen readers what arrived.
  var olderCountBefore = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = document.getElementById("older-messages");
    if (list && event.detail.target === list) {
      olderCountBefore = list.querySelectorAll("[data-message-id]").length;
    }
  });

  function announceOlderLoaded(list) {
    var loaded = list.querySelectorAll("[data-message-id]").length - olderCountBefore;
    var control = document.getElementById("older-control");
    var next = control ? control.querySelector("a, .conversation-start") : null;
    var text = loaded === 1 ? "1 older message loaded." : loaded + " older messages loaded.";
    if (next && next.classList.contains("conversation-start")) {
      text += " Start of the conversation.";
    }
    if (next) {
      next.focus();
    }
    var announcer = document.getElementById("chat-announcer");
    if (announcer) {
      announcer.textContent = text;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (
      form instanceof HTMLFormElement &&
      (form.classList.contains("sign-out") || form.classList.contains("sign-out-everywhere"))
    ) {
      document.body.dataset.leaving = "yes";
    }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.form || box.form.id !== "message-form") {
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      // One send at a time (composer.js marks the form in flight; not htmx's class, which
      // htmx carries onto the fresh form until it settles).
      if (box.value.trim() !== "" && box.form.dataset.sending !== "yes") {
        box.form.requestSubmit();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    if (live && live.dataset.state === "connecting") {
      showLiveState("connecting");
    }
    showLocalTimes(document);
    markMentionsOfViewer();
    updateResumePoint();
    watchForSilence();
    watchJumpToNewest();
    scrollToNewest(true);
    // Without JavaScript the URL's #message-N lands on a new message; here, the newest.
  });
})();
