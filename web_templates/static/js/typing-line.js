// "Ada is typing…": the server gathers the room's typing signals into one frame a second,
// [{author, name}, …]; a name leaves the line 6 s after its last signal, or at once when
// a message from that person arrives. A signal from just before that message can still be
// in the next frame (they are gathered for up to a second): it is ignored.
import { jsonOf, on, onStream } from "./events.js";

const SHOW_FOR_MS = 6000;
const AFTER_MESSAGE_MS = 2000; // the server's gathering second, and the way here
const typing = new Map(); // author tag -> {name, timer}
const lastMessageAt = new Map(); // author tag -> when their last message arrived

function showTyping() {
  const line = document.getElementById("typing-line");
  if (!line) return;
  const names = [...typing.values()].map((each) => each.name).sort();
  if (names.length === 0) line.textContent = "";
  else if (names.length === 1) line.textContent = `${names[0]} is typing…`;
  else if (names.length === 2) line.textContent = `${names[0]} and ${names[1]} are typing…`;
  else line.textContent = "Several people are typing…";
}

function stopped(author) {
  clearTimeout(typing.get(author)?.timer);
  typing.delete(author);
}

function started(signal) {
  const viewer = document.getElementById("chat")?.dataset.viewerAuthor;
  if (!signal?.author || signal.author === viewer) return;
  if (Date.now() - (lastMessageAt.get(signal.author) ?? 0) < AFTER_MESSAGE_MS) return;
  stopped(signal.author);
  const timer = setTimeout(() => {
    typing.delete(signal.author);
    showTyping();
  }, SHOW_FOR_MS);
  typing.set(signal.author, { name: String(signal.name), timer });
}

onStream("typing", (event) => {
  const signals = jsonOf(event);
  for (const signal of Array.isArray(signals) ? signals : [signals]) started(signal);
  showTyping();
});

on("htmx:sseMessage", "#messages", (event, list) => {
  const author = list.querySelector("li.message:last-child")?.dataset.author;
  if (author) lastMessageAt.set(author, Date.now());
  if (author && typing.has(author)) {
    stopped(author);
    showTyping();
  }
});
