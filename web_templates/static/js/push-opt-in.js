// "Turn on notifications": the one place the browser is asked for permission, after a
// click (never on load). Then this device subscribes to Web Push with the page's VAPID key
// and registers at POST /push-subscriptions; "Turn off" unsubscribes and deletes it.
import { on } from "./events.js";

const publicKey = document.querySelector('meta[name="web-push-public-key"]')?.content ?? "";
const supported = "Notification" in window && "serviceWorker" in navigator;
const isIos = /iPad|iPhone|iPod/.test(navigator.userAgent) && !("MSStream" in window);
const installed = window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;

function csrfToken() {
  return document.querySelector('input[name="csrf_token"]')?.value ?? "";
}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function sendSubscription(method, subscription) {
  await fetch("/push-subscriptions", {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(subscription),
    credentials: "same-origin",
  });
}

export async function workerRegistration() {
  if (!("serviceWorker" in navigator)) return null;
  return navigator.serviceWorker.register("/service-worker.js", { scope: "/" });
}

async function subscribe() {
  const registration = await workerRegistration();
  if (!registration?.pushManager || !publicKey) return;
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription()
    ?? await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  await sendSubscription("POST", subscription.toJSON());
}

async function unsubscribe() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager?.getSubscription();
  if (subscription) {
    await sendSubscription("DELETE", subscription.toJSON());
    await subscription.unsubscribe();
  }
}

function showState() {
  const granted = supported && Notification.permission === "granted" && localStorage.getItem("chat-notices") === "on";
  for (const button of document.querySelectorAll("[data-notices-on]")) button.hidden = !supported || granted;
  for (const button of document.querySelectorAll("[data-notices-off]")) button.hidden = !granted;
  for (const hint of document.querySelectorAll("[data-install-hint]")) hint.hidden = !(isIos && !installed);
  for (const note of document.querySelectorAll("[data-notices-unsupported]")) note.hidden = supported || isIos;
}

on("click", "[data-notices-on]", async () => {
  const permission = await Notification.requestPermission();
  if (permission === "granted") {
    localStorage.setItem("chat-notices", "on");
    import("./desktop-notices.js");
    try {
      await subscribe();
    } catch (error) {
      console.warn("Web Push not available here:", error);  // desktop notices still work
    }
  }
  showState();
});

on("click", "[data-notices-off]", async () => {
  localStorage.removeItem("chat-notices");
  await unsubscribe().catch(() => {});
  showState();
});

// An existing worker is kept current (no prompt: registering asks nothing).
if (supported && Notification.permission === "granted") workerRegistration().catch(() => {});
showState();

// Desktop notices load only for a person who turned them on: most visits never need them.
if (supported && Notification.permission === "granted" && localStorage.getItem("chat-notices") === "on") {
  import("./desktop-notices.js");
}
