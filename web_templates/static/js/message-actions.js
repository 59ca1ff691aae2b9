// Edit and delete one's own messages in place. The server renders one copy of each live
// message for everyone, so the controls are added here to the viewer's own messages (the
// server checks every request again: anyone else's message answers 404). Without this
// script the page's own links lead to a plain edit page and a confirm page.
(function () {
  "use strict";

  var saved = {}; // message id -> the message's markup while its edit form shows

  function chat() {
    return document.querySelector("section.chat[data-viewer-author]");
  }

  function csrfToken() {
    var input = document.querySelector("#message-form input[name=csrf_token]");
    return input ? input.value : "";
  }

  function editOpen(message, section) {
    var time = message.querySelector(".message-meta time");
    var minutes = Number(section.dataset.editMinutes) || 0;
    var posted = time ? new Date(time.getAttribute("datetime")) : null;
    return posted && !isNaN(posted.getTime()) && Date.now() - posted.getTime() < minutes * 60000;
  }

  function link(className, href, text) {
    var anchor = document.createElement("a");
    anchor.className = className;
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  function addControls(root) {
    var section = chat();
    if (!section) return;
    var room = section.dataset.room;
    root.querySelectorAll("li.message").forEach(function (message) {
      if (message.dataset.author !== section.dataset.viewerAuthor) return;
      if (message.classList.contains("message-deleted")) return;
      if (message.querySelector(".message-actions, .message-change-form")) return;
      var base = "/rooms/" + encodeURIComponent(room) + "/messages/" + message.dataset.messageId;
      var actions = document.createElement("p");
      actions.className = "message-actions";
      if (editOpen(message, section)) {
        actions.appendChild(link("edit-message", base + "/edit", "Edit"));
        actions.appendChild(document.createTextNode(" "));
      }
      actions.appendChild(link("delete-message", base + "/delete", "Delete"));
      message.appendChild(actions);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var message = target ? target.closest("li.message") : null;
    if (!message || typeof htmx === "undefined") return;
    var id = message.dataset.messageId;
    if (target.closest(".edit-message")) {
      event.preventDefault();
      saved[id] = message.outerHTML;
      var actions = message.querySelector(".message-actions");
      if (actions) actions.hidden = true;
      htmx.ajax("GET", target.closest("a").getAttribute("href"), {
        target: message.querySelector(".message-body"),
        swap: "outerHTML",
      });
    } else if (target.closest(".cancel-change")) {
      event.preventDefault();
      if (saved[id]) {
        message.outerHTML = saved[id];
        delete saved[id];
      }
    } else if (target.closest(".delete-message")) {
      event.preventDefault();
      if (window.confirm("Delete this message? Everyone sees “message deleted” instead.")) {
        htmx.ajax("POST", target.closest("a").getAttribute("href"), {
          target: message,
          swap: "outerHTML",
          values: { csrf_token: csrfToken() },
        });
      }
    }
  });

  function start() {
    var log = document.getElementById("chat-log");
    if (!log || !chat()) return;
    addControls(log);
    new MutationObserver(function () {
      addControls(log);
    }).observe(log, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
