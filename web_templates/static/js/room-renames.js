// The stream's "room" frame, {name}: the room on screen was renamed.
import { jsonOf, onStream } from "./events.js";

onStream("room", (event) => {
  const name = jsonOf(event)?.name;
  const heading = document.querySelector(".room-title h1");
  if (heading && typeof name === "string") heading.textContent = name;
});
