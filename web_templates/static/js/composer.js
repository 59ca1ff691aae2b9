/* The room page's message box (issue 17): a send in flight shows "Sending…" and then
   "Still trying…"; a send that fails or times out says "Not sent" with a Retry button,
   keeps the text and retries once the stream is live again (the form's client_id makes
   the server store a retried draft once); the draft survives a sign-out in this tab
   (sessionStorage); a character count appears near the limit. chat-page.js reports the
   stream's state with "chat:live" events. */
(function () {
  "use strict";

  var STILL_TRYING_MS = 4000;
  var COUNT_FROM_REMAINING = 200;
  var SIGNED_OUT_KEY = "chat:signed-out";
  var stillTryingTimer = null;
  var retryWhenLive = false;
  var busyRetried = false;
  var BUSY_RETRY_LIMIT_SECONDS = 5;

  function composer() {
    return document.getElementById("message-form");
  }

  function draftKey(form) {
    return "chat:draft:" + form.getAttribute("action");
  }

  function box(form) {
    return form ? form.querySelector("textarea") : null;
  }

  function sendButton(form) {
    return form ? form.querySelector("button[type=submit]") : null;
  }

  function remember(key, value) {
    try {
      if (value) {
        window.sessionStorage.setItem(key, value);
      } else {
        window.sessionStorage.removeItem(key);
      }
    } catch (error) {
      // Storage off (a private mode): the draft lives only in the box.
    }
  }

  function recall(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function showSendStatus(form, state, text) {
    var status = form ? form.querySelector("#send-status") : null;
    if (!status) {
      return;
    }
    status.dataset.state = state;
    status.textContent = text;
    if (state === "failed") {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry-send secondary";
      retry.textContent = "Retry";
      retry.addEventListener("click", function () {
        retrySend();
      });
      status.appendChild(retry);
    }
  }

  function setBusy(form, busy) {
    var button = sendButton(form);
    if (!button) {
      return;
    }
    if (busy) {
      button.dataset.idleLabel = button.dataset.idleLabel || button.textContent;
      button.textContent = button.dataset.busyLabel || "Sending…";
      button.disabled = true;
    } else {
      button.textContent = button.dataset.idleLabel || button.textContent;
      button.disabled = false;
    }
  }

  function stopStillTrying() {
    if (stillTryingTimer) {
      window.clearTimeout(stillTryingTimer);
      stillTryingTimer = null;
    }
  }

  function startSending(form) {
    form.dataset.sending = "yes";
    setBusy(form, true);
    showSendStatus(form, "sending", "Sending…");
    stopStillTrying();
    stillTryingTimer = window.setTimeout(function () {
      showSendStatus(composer(), "slow", "Still trying…");
    }, STILL_TRYING_MS);
  }

  // The text stays in the box (htmx swaps nothing on a failure); the same form, with the
  // same client_id, is sent again when the stream is live or on Retry.
  function sendFailed(form) {
    stopStillTrying();
    setBusy(form, false);
    retryWhenLive = true;
    showSendStatus(form, "failed", "Not sent. ");
  }

  function retrySend() {
    var form = composer();
    var text = box(form);
    retryWhenLive = false;
    busyRetried = false;
    if (form && text && text.value.trim() !== "" && form.dataset.sending !== "yes") {
      form.requestSubmit();
    }
  }

  function updateCharCount(form) {
    var text = box(form);
    var count = form ? form.querySelector("#char-count") : null;
    var max = form ? Number(form.dataset.maxChars) : 0;
    if (!text || !count || !max) {
      return;
    }
    var length = text.value.length;
    count.hidden = max - length > COUNT_FROM_REMAINING;
    count.textContent = length.toLocaleString() + " / " + max.toLocaleString();
    count.dataset.over = length > max ? "yes" : "no";
  }

  // Set up a (new) form: name the keys, bring back a kept draft, and say why the person
  // had to sign in again if that is why they are here.
  function prepareComposer(form) {
    var text = box(form);
    if (!text) {
      return;
    }
    var hint = form.querySelector(".hint");
    if (hint) {
      hint.textContent = "Enter sends; Shift+Enter starts a new line.";
    }
    var kept = recall(draftKey(form));
    if (kept && text.value === "") {
      text.value = kept;
    }
    if (recall(SIGNED_OUT_KEY)) {
      remember(SIGNED_OUT_KEY, "");
      showSendStatus(
        form,
        "notice",
        "You were signed out (a password change or a sign-out on another device)." +
          (kept ? " Your draft was kept." : "")
      );
    }
    updateCharCount(form);
  }

  // By id: after a swap the request's element is the old form, no longer in the page.
  function isComposer(event) {
    return Boolean(event.detail && event.detail.elt && event.detail.elt.id === "message-form");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isComposer(event)) {
      startSending(composer());
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    // A sent message answers a fresh form: the draft is gone for good.
    if (isComposer(event) && event.detail.xhr && event.detail.xhr.status === 200) {
      remember(draftKey(composer()), "");
      busyRetried = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isComposer(event)) {
      return;
    }
    // Failures are handled by the error events below; this ends the "Still trying…" clock.
    stopStillTrying();
    delete event.detail.elt.dataset.sending;
  });

  // A busy server (503, service_kit/admission.py) gets one more try after its Retry-After
  // (at most 5 s); a second refusal, like any other failure, leaves "Not sent - Retry".
  function retryIfBusy(event) {
    var xhr = event.detail.xhr;
    var form = composer();
    if (!xhr || xhr.status !== 503 || !form || busyRetried) {
      return false;
    }
    busyRetried = true;
    stopStillTrying();
    showSendStatus(form, "slow", "Busy, retrying…");
    var seconds = Math.min(Number(xhr.getResponseHeader("Retry-After")) || 1, BUSY_RETRY_LIMIT_SECONDS);
    window.setTimeout(function () {
      var current = composer();
      if (current && current.dataset.sending !== "yes") {
        current.requestSubmit();
      }
    }, seconds * 1000);
    return true;
  }

  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (isComposer(event) && !retryIfBusy(event)) {
        sendFailed(composer());
      }
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (target && target.id === "message-form") {
      prepareComposer(target);
    }
  });

  document.addEventListener("input", function (event) {
    var text = event.target;
    if (text instanceof HTMLTextAreaElement && text.form && text.form.id === "message-form") {
      remember(draftKey(text.form), text.value);
      updateCharCount(text.form);
    }
  });

  document.addEventListener("chat:live", function () {
    if (retryWhenLive) {
      retrySend();
    }
  });

  // chat-page.js sends this before a tab signed out elsewhere goes to sign in.
  document.addEventListener("chat:signed-out", function () {
    remember(SIGNED_OUT_KEY, "yes");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = composer();
    if (form) {
      prepareComposer(form);
    }
  });
})();
