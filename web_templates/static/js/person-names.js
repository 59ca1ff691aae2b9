// Names follow live. Someone changed their name (or was deactivated): the stream's "person"
// frame, {author, name}, renames that author's messages already on the page.
import { jsonOf, onStream } from "./events.js";

onStream("person", (event) => {
  const person = jsonOf(event);
  if (!person?.author || typeof person.name !== "string") return;
  for (const name of document.querySelectorAll(`.message[data-author="${CSS.escape(person.author)}"] .message-author`)) {
    name.textContent = person.name;
  }
});

// The room on screen was renamed (live_room_changes.py): its "room" frame, {name}.
onStream("room", (event) => {
  const name = jsonOf(event)?.name;
  const heading = document.querySelector(".room-title h1");
  if (heading && typeof name === "string") heading.textContent = name;
});
