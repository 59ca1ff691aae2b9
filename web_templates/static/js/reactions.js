// Reactions: one click on a reaction adds or removes yours; "React" in the message menu
// opens a small picker (your most used first, then any emoji typed). The server renders one
// copy of each message for every viewer, so the reactions are links to the picker page
// (no JavaScript); here they are posted with the page's CSRF token, and the viewer's own
// are marked from data-people (author tags, as own-message-controls.js compares them).
const chat = document.querySelector("section.chat[data-viewer-author]");
const log = document.getElementById("chat-log");
const csrfToken = () => document.querySelector("#message-form input[name=csrf_token]")?.value ?? "";
const HTMX = { "HX-Request": "true" };

// Here a reaction is a toggle: a button (Space presses it too), pressed when it is yours.
function markOwn() {
  for (const reaction of log.querySelectorAll("a.reaction")) {
    const mine = (reaction.dataset.people ?? "").split(" ").includes(chat.dataset.viewerAuthor);
    reaction.classList.toggle("reaction-mine", mine);
    if (reaction.getAttribute("role") !== "button") reaction.setAttribute("role", "button");
    if (reaction.getAttribute("aria-pressed") !== String(mine)) reaction.setAttribute("aria-pressed", String(mine));
  }
}

function placeReactions(message, html) {
  const current = message.querySelector(":scope > .reactions");
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const fresh = template.content.firstElementChild;
  if (!fresh) return;
  if (current) current.replaceWith(fresh);
  else message.querySelector(":scope > .message-actions")?.before(fresh) ?? message.append(fresh);
}

// The answer is the message's reactions as they now are; a refusal (not an emoji, the
// 21st, too many clicks) is said in the picker, or the picker page says it.
async function toggle(message, url, emoji, problem) {
  const body = new URLSearchParams({ csrf_token: csrfToken(), emoji });
  const response = await fetch(url, { method: "POST", body, headers: HTMX });
  if (response.ok) {
    placeReactions(message, await response.text());
    return true;
  }
  if (!problem) {
    window.location.assign(url);
    return false;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  problem.textContent = page.querySelector(".field-error, .form-error, main p")?.textContent.trim()
    || "That reaction was not added. Try again.";
  problem.hidden = false;
  return false;
}

async function openPicker(message, url) {
  message.querySelector(":scope > .reaction-picker")?.remove();
  const response = await fetch(url, { headers: HTMX });
  if (!response.ok) return window.location.assign(url);
  const template = document.createElement("template");
  template.innerHTML = (await response.text()).trim();
  const picker = template.content.firstElementChild;
  picker.dataset.url = url;
  message.append(picker);
  picker.querySelector("button")?.focus();
}

async function choose(picker, emoji) {
  const message = picker.closest("li.message");
  if (await toggle(message, picker.dataset.url, emoji, picker.querySelector(".reaction-problem"))) {
    picker.remove();
  }
}

if (chat && log) {
  markOwn();
  new MutationObserver(markOwn).observe(log, { childList: true, subtree: true });  // attributes it sets are not observed
  log.addEventListener("click", (event) => {
    const reaction = event.target.closest("a.reaction");
    const react = event.target.closest("a.react-message");
    const choice = event.target.closest(".reaction-picker button[data-emoji]");
    if (reaction) {
      event.preventDefault();
      toggle(reaction.closest("li.message"), reaction.href, reaction.dataset.emoji, null);
    } else if (react) {
      event.preventDefault();
      react.closest("details")?.removeAttribute("open");
      openPicker(react.closest("li.message"), react.href);
    } else if (choice) {
      choose(choice.closest(".reaction-picker"), choice.dataset.emoji);
    }
  });
  log.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target.matches("a.reaction")) {
      event.preventDefault();
      event.target.click();
      return;
    }
    const field = event.target.closest(".reaction-picker input.reaction-free");
    if (field && event.key === "Enter") {
      event.preventDefault();
      choose(field.closest(".reaction-picker"), field.value);
    } else if (event.key === "Escape" && event.target.closest(".reaction-picker")) {
      event.target.closest(".reaction-picker").remove();
    }
  });
}
