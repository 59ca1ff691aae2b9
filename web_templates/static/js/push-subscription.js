// This device's Web Push subscription, loaded by push-opt-in.js on a click (most visits
// never subscribe): registers the worker, subscribes with the page's VAPID key and tells
// POST /push-subscriptions; unsubscribing deletes it there.
const publicKey = document.querySelector('meta[name="web-push-public-key"]')?.content ?? "";

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

export async function subscribe() {
  const registration = await workerRegistration();
  if (!registration?.pushManager || !publicKey) return;
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription()
    ?? await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  await sendSubscription("POST", subscription.toJSON());
}

export async function unsubscribe() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager?.getSubscription();
  if (subscription) {
    await sendSubscription("DELETE", subscription.toJSON());
    await subscription.unsubscribe();
  }
}

