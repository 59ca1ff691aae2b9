// "Here now": the room's stream sends the list, rendered (and escaped) by the server,
// and it replaces the one on the page.
import { onStream } from "./events.js";

onStream("here", (event) => {
  const old = document.querySelector("#here-now .here-list");
  const fresh = document.createElement("div");
  fresh.innerHTML = event.data; // server-rendered, names escaped there
  const list = fresh.querySelector(".here-list");
  if (old && list) old.replaceWith(list);
});
