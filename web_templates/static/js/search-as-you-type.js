// Results as you type on /search: each change of the form asks again after a short pause,
// cancels the request still under way (only the newest answer is shown), swaps the results
// region and keeps the address bar on the same URL a plain submit would give, so the page
// can be shared and reloaded.
import "./search-shortcut.js";

const FORM = "form[data-search-live]";
const REGION = "#search-region";
const PAUSE_MS = 200;

let timer = 0;
let inFlight = null;

async function refresh(form) {
  const params = new URLSearchParams(new FormData(form));
  params.delete("page");
  const url = `${form.action}?${params}`;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  try {
    const response = await fetch(url, {
      headers: { "HX-Request": "true" },
      signal: controller.signal,
    });
    if (!response.ok) return; // a 429 or an outage: the last results stay
    const region = document.querySelector(REGION);
    region.innerHTML = await response.text();
    window.htmx?.process(region); // its "More results" link
    history.replaceState(history.state, "", url);
  } catch (error) {
    if (error.name !== "AbortError") throw error;
  } finally {
    if (inFlight === controller) inFlight = null;
  }
}

function schedule(form) {
  clearTimeout(timer);
  timer = setTimeout(() => refresh(form), PAUSE_MS);
}

const form = document.querySelector(FORM);
if (form) {
  form.addEventListener("input", () => schedule(form));
  form.addEventListener("change", () => schedule(form));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    refresh(form);
  });
  const box = form.querySelector("input[name=q]");
  box?.setSelectionRange(box.value.length, box.value.length);
}
