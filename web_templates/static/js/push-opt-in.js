// "Turn on notifications": the one place the browser is asked for permission, after a
// click (never on load). Then this device subscribes to Web Push (push-subscription.js,
// loaded only then); "Turn off" unsubscribes.
import { on } from "./events.js";

const supported = "Notification" in window && "serviceWorker" in navigator;
const isIos = /iPad|iPhone|iPod/.test(navigator.userAgent) && !("MSStream" in window);
const installed = window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;
const subscription = () => import("./push-subscription.js");

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
      await (await subscription()).subscribe();
    } catch (error) {
      console.warn("Web Push not available here:", error);  // desktop notices still work
    }
  }
  showState();
});

on("click", "[data-notices-off]", async () => {
  localStorage.removeItem("chat-notices");
  await subscription().then((m) => m.unsubscribe()).catch(() => {});
  showState();
});

// An existing worker is kept current (no prompt: registering asks nothing).
if (supported && Notification.permission === "granted") subscription().then((m) => m.workerRegistration()).catch(() => {});
showState();

// Desktop notices load only for a person who turned them on: most visits never need them.
if (supported && Notification.permission === "granted" && localStorage.getItem("chat-notices") === "on") {
  import("./desktop-notices.js");
}
