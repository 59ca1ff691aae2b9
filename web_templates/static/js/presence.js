// Who is here and who is typing, from the room's stream. The list itself is rendered by
// the server (escaped) and swapped in whole; typing signals go out at most every 3 s while
// this person types, and a name leaves the typing line 6 s after its last signal.
(function () {
  "use strict";

  var SEND_EVERY_MS = 3000;
  var SHOW_FOR_MS = 6000;
  var typing = {}; // author tag -> {name, timer}
  var lastSent = 0;

  function chat() {
    return document.querySelector("section.chat[data-viewer-author]");
  }

  function showTyping() {
    var line = document.getElementById("typing-line");
    if (!line) return;
    var names = Object.keys(typing).map(function (tag) { return typing[tag].name; }).sort();
    if (names.length === 0) line.textContent = "";
    else if (names.length === 1) line.textContent = names[0] + " is typing…";
    else if (names.length === 2) line.textContent = names[0] + " and " + names[1] + " are typing…";
    else line.textContent = "Several people are typing…";
  }

  // The server gathers a room's signals: one frame a second, [{author, name}, …].
  function onTyping(event) {
    var signals;
    try {
      signals = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    (Array.isArray(signals) ? signals : [signals]).forEach(onSignal);
  }

  function onSignal(signal) {
    var section = chat();
    if (!signal || !signal.author || (section && signal.author === section.dataset.viewerAuthor)) {
      return;
    }
    var known = typing[signal.author];
    if (known) clearTimeout(known.timer);
    typing[signal.author] = {
      name: String(signal.name),
      timer: setTimeout(function () {
        delete typing[signal.author];
        showTyping();
      }, SHOW_FOR_MS),
    };
    showTyping();
  }

  function onHere(event) {
    var here = document.getElementById("here-now");
    if (!here) return;
    var old = here.querySelector(".here-list");
    var fresh = document.createElement("div");
    fresh.innerHTML = event.data; // server-rendered, names escaped there
    var list = fresh.querySelector(".here-list");
    if (old && list) old.replaceWith(list);
  }

  // A new message from someone ends their "is typing".
  document.addEventListener("htmx:sseMessage", function () {
    var section = chat();
    var last = document.querySelector("#messages li.message:last-child");
    if (section && last && typing[last.dataset.author]) {
      clearTimeout(typing[last.dataset.author].timer);
      delete typing[last.dataset.author];
      showTyping();
    }
  });

  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail.source;
    if (!source || source.presenceHooked) return;
    source.presenceHooked = true;
    source.addEventListener("here", onHere);
    source.addEventListener("typing", onTyping);
  });

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.form || box.form.id !== "message-form") {
      return;
    }
    var section = chat();
    var token = box.form.querySelector("input[name=csrf_token]");
    if (!section || !token || box.value.trim() === "") return;
    var now = Date.now();
    if (now - lastSent < SEND_EVERY_MS) return;
    lastSent = now;
    var body = new URLSearchParams();
    body.set("csrf_token", token.value);
    fetch("/rooms/" + encodeURIComponent(section.dataset.room) + "/typing", {
      method: "POST",
      body: body,
      credentials: "same-origin",
    }).catch(function () { /* a hint only */ });
  });
})();
