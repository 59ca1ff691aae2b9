// The app's service worker (served at /service-worker.js, scope "/"): shows Web Push
// notifications, opens the room at the message on a click, and marks the app's badge.
//
// It has NO fetch handler and keeps no cache: every page is private to the person signed
// in, and a cached page could be shown to the next person on the device or after sign-out.
// A chat is no use offline, so the network answers everything, exactly as without a worker.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "Chat", body: event.data?.text() ?? "" };
  }
  event.waitUntil((async () => {
    await self.registration.showNotification(data.title || "Chat", {
      body: data.body || "",
      tag: data.tag,
      renotify: Boolean(data.tag),
      icon: "/static/icons/icon-192.png",
      data: { url: data.url || "/" },
    });
    // Something waits: a dot on the app's icon (the open page sets the exact count).
    if (self.navigator.setAppBadge) await self.navigator.setAppBadge().catch(() => {});
  })());
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const ours = windows.find((client) => new URL(client.url).origin === self.location.origin);
    if (!ours) return self.clients.openWindow(url);
    const focused = await ours.focus();
    return "navigate" in focused ? focused.navigate(url) : undefined;
  })());
});
