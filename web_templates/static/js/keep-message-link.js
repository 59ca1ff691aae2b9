// A link to one message (#message-N, as the mention e-mail sends) survives signing in:
// the fragment never reaches a server, so the sign-in form carries it inside its "next".
// Runs before htmx reads the form's hx-post (modules run before DOMContentLoaded).
const anchor = /^#message-\d+$/.test(location.hash) ? location.hash : "";

if (anchor) {
  for (const form of document.querySelectorAll("form[action*='next=']")) {
    const target = new URL(form.getAttribute("action"), location.href);
    const next = target.searchParams.get("next");
    if (!next || next.includes("#")) continue;
    target.searchParams.set("next", next + anchor);
    const action = target.pathname + target.search;
    form.setAttribute("action", action);
    if (form.hasAttribute("hx-post")) form.setAttribute("hx-post", action);
  }
}
