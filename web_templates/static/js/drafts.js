// The message box's draft survives a reload and a forced sign-out in this tab
// (sessionStorage, per room), and is dropped once sent. After a sign-out elsewhere the
// page says why the person had to sign in again.
import { hear, on, onRequest, onSettle, tell } from "./events.js";
import { showSendStatus } from "./send-status.js";

const FORM = "#message-form";
const SIGNED_OUT_KEY = "chat:signed-out";
const draftKey = (form) => "chat:draft:" + form.getAttribute("action");

function remember(key, value) {
  try {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch {
    // Storage off (a private mode): the draft lives only in the box.
  }
}

function recall(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

// A (new) form: bring back a kept draft, and say why the person is here if they were
// signed out.
function restore(form) {
  const text = form?.querySelector("textarea");
  if (!text) return;
  const kept = recall(draftKey(form));
  if (kept && text.value === "") text.value = kept;
  if (recall(SIGNED_OUT_KEY)) {
    remember(SIGNED_OUT_KEY, "");
    const why = "You were signed out (a password change or a sign-out on another device).";
    showSendStatus(form, "notice", why + (kept ? " Your draft was kept." : ""));
  }
  tell("box-filled", form);
}

on("input", `${FORM} textarea`, (event, text) => remember(draftKey(text.form), text.value));

// A sent message answers a fresh form: the draft is gone for good.
onRequest("htmx:beforeSwap", FORM, (event, form) => {
  if (event.detail.xhr?.status === 200) remember(draftKey(form), "");
});

// stream-orders.js tells this before a tab signed out elsewhere reloads into sign-in.
hear("signed-out", () => remember(SIGNED_OUT_KEY, "yes"));

onSettle(FORM, restore);
restore(document.querySelector(FORM));
