/* The message box's @ suggestion list (issue 14). When the text before the caret is an "@"
   and the start of a name, htmx fetches GET /rooms/<slug>/members?q=… into
   #mention-suggestions (the room's members, never the viewer). While the list is open the
   box follows the ARIA combobox pattern (role, aria-expanded, aria-controls,
   aria-activedescendant: each move is read out); Up/Down move, Enter or Tab insert
   "@Display Name ", Escape closes, a click picks. Closed, the box is a plain text box
   again (a textarea may not carry the combobox role for good, and aria-expanded is not
   allowed on a text box).

   Kept apart from composer.js and chat-page.js on purpose: while the list is open, its
   keys are taken by a capturing listener before chat-page.js's Enter-to-send ever sees
   them (Enter picks a name, it never sends); with the list closed nothing here touches a
   key. Without JavaScript "@Display Name" written by hand is recognised by the server. */
(function () {
  "use strict";

  var LOOKUP_DELAY_MS = 120;
  var MAX_TYPED = 40;
  var WORD_CHAR = /[\p{L}\p{N}_]/u;
  var lookupTimer = null;
  var inFlight = false;
  var asked = null; // what the request in flight asked for
  var wanted = null; // {start, end, typed}: the "@…" at the caret, or null

  function box() {
    return document.querySelector("#message-form textarea");
  }

  function list() {
    return document.getElementById("mention-suggestions");
  }

  function options() {
    var current = list();
    return current ? Array.prototype.slice.call(current.querySelectorAll('[role="option"]')) : [];
  }

  function isOpen() {
    var text = box();
    return Boolean(text && text.getAttribute("aria-expanded") === "true");
  }

  // What a text box may carry at all times, set once per (new) form.
  function prepare(text) {
    if (!text || text.dataset.mentions === "ready") {
      return;
    }
    text.dataset.mentions = "ready";
    text.setAttribute("aria-autocomplete", "list");
    text.setAttribute("aria-controls", "mention-suggestions");
  }

  // The "@…" the caret is at the end of: an "@" at the start or after a non-word character,
  // then up to MAX_TYPED characters of one line, not starting or ending with a space.
  function mentionAtCaret(text) {
    if (text.selectionStart !== text.selectionEnd) {
      return null;
    }
    var caret = text.selectionStart;
    var before = text.value.slice(Math.max(0, caret - MAX_TYPED - 1), caret);
    var at = before.lastIndexOf("@");
    if (at === -1) {
      return null;
    }
    var typed = before.slice(at + 1);
    if (/[\n@]/.test(typed) || /^\s|\s$|\s\s/.test(typed)) {
      return null;
    }
    var start = caret - before.length + at;
    if (start > 0 && WORD_CHAR.test(text.value.charAt(start - 1))) {
      return null; // an e-mail address, not a mention
    }
    return { start: start, end: caret, typed: typed };
  }

  function membersUrl(typed) {
    var form = document.getElementById("message-form");
    var action = form ? form.getAttribute("action") || "" : "";
    return action.replace(/\/messages$/, "/members") + "?q=" + encodeURIComponent(typed);
  }

  // One request at a time; when it answers, ask again if the person typed on meanwhile.
  function ask(typed) {
    inFlight = true;
    asked = typed;
    htmx
      .ajax("GET", membersUrl(typed), {
        source: "#mention-suggestions",
        target: "#mention-suggestions",
        swap: "outerHTML",
      })
      .then(
        function () {
          inFlight = false;
          if (wanted && wanted.typed !== asked) {
            ask(wanted.typed);
          } else if (wanted) {
            open();
          } else {
            close();
          }
        },
        function () {
          inFlight = false;
          close();
        }
      );
  }

  function lookUp() {
    var text = box();
    wanted = text ? mentionAtCaret(text) : null;
    if (!wanted) {
      close();
      return;
    }
    if (!inFlight) {
      ask(wanted.typed);
    }
  }

  function open() {
    var text = box();
    var current = list();
    var found = options();
    if (!text || !current || found.length === 0) {
      close();
      return;
    }
    current.hidden = false;
    text.setAttribute("role", "combobox");
    text.setAttribute("aria-expanded", "true");
    var selected = found.filter(function (option) {
      return option.getAttribute("aria-selected") === "true";
    })[0];
    select(selected || found[0]);
  }

  function close() {
    var text = box();
    var current = list();
    if (current) {
      current.hidden = true;
    }
    if (text) {
      text.removeAttribute("role");
      text.removeAttribute("aria-expanded");
      text.removeAttribute("aria-activedescendant");
    }
  }

  function select(option) {
    var text = box();
    options().forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (text && option) {
      text.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var found = options();
    if (found.length === 0) {
      return;
    }
    var index = found.findIndex(function (option) {
      return option.getAttribute("aria-selected") === "true";
    });
    select(found[(index + step + found.length) % found.length]);
  }

  // "@Ann L|" becomes "@Ann Lee |"; composer.js hears an input event (draft, counter).
  function insert(option) {
    var text = box();
    var at = text ? mentionAtCaret(text) : null;
    if (!text || !option || !at) {
      close();
      return;
    }
    var name = "@" + option.getAttribute("data-name") + " ";
    text.value = text.value.slice(0, at.start) + name + text.value.slice(at.end);
    var caret = at.start + name.length;
    text.setSelectionRange(caret, caret);
    wanted = null;
    close();
    text.focus();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("input", function (event) {
    var text = event.target;
    if (!(text instanceof HTMLTextAreaElement) || !text.form || text.form.id !== "message-form") {
      return;
    }
    prepare(text);
    window.clearTimeout(lookupTimer);
    lookupTimer = window.setTimeout(lookUp, LOOKUP_DELAY_MS);
  });

  // Capturing, so it runs before chat-page.js's Enter-to-send; only while the list is open.
  document.addEventListener(
    "keydown",
    function (event) {
      var text = event.target;
      if (text !== box() || !isOpen() || event.isComposing) {
        return;
      }
      var handled = true;
      if (event.key === "ArrowDown") {
        move(1);
      } else if (event.key === "ArrowUp") {
        move(-1);
      } else if ((event.key === "Enter" && !event.shiftKey) || (event.key === "Tab" && !event.shiftKey)) {
        insert(options().filter(function (option) {
          return option.getAttribute("aria-selected") === "true";
        })[0]);
      } else if (event.key === "Escape") {
        wanted = null;
        close();
      } else {
        handled = false;
      }
      if (handled) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true
  );

  // A click picks (mousedown would otherwise take the focus from the box first).
  document.addEventListener("mousedown", function (event) {
    var option = event.target instanceof Element ? event.target.closest("#mention-suggestions [role=option]") : null;
    if (option) {
      event.preventDefault();
      select(option);
      insert(option);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === box()) {
      wanted = null;
      close();
    }
  });

  // A sent message brings a fresh form (and an empty list).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "message-form") {
      prepare(box());
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    prepare(box());
  });
})();
