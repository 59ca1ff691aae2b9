// Files in the composer (chat_svc/files/): the form is multipart only while files are chosen
// (a text post stays URL-encoded for the server's fast path); drop and paste add files; the
// upload's progress is shown per file (htmx's xhr progress, split by file size).
const form = () => document.getElementById("message-form");
const input = () => document.getElementById("message-files");

function chosenFiles() {
  const field = input();
  return field ? Array.from(field.files) : [];
}

function showChosen() {
  const composer = form();
  if (!composer) return;
  const files = chosenFiles();
  if (files.length) composer.setAttribute("enctype", "multipart/form-data");
  else composer.removeAttribute("enctype");
  const list = composer.querySelector(".chosen-files");
  if (!list) return;
  list.replaceChildren(
    ...files.map((file, index) => {
      const item = document.createElement("li");
      const name = document.createElement("bdi");
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", `Upload of ${file.name}`);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${file.name}`);
      remove.addEventListener("click", () => setFiles(chosenFiles().filter((_, i) => i !== index)));
      item.append(name, " ", bar, " ", remove);
      return item;
    }),
  );
}

function setFiles(files) {
  const field = input();
  if (!field) return;
  const transfer = new DataTransfer();
  files.forEach((file) => transfer.items.add(file));
  field.files = transfer.files;
  showChosen();
}

function addFiles(files) {
  if (files.length) setFiles([...chosenFiles(), ...files]);
}

document.addEventListener("change", (event) => {
  if (event.target === input()) showChosen();
});
document.addEventListener("paste", (event) => {
  if (!form() || !event.clipboardData) return;
  const files = Array.from(event.clipboardData.files);
  if (files.length) {
    event.preventDefault();
    addFiles(files);
  }
});
const dragging = (on) => document.body.classList.toggle("dragging-files", on);
document.addEventListener("dragover", (event) => {
  if (!form() || !event.dataTransfer?.types.includes("Files")) return;
  event.preventDefault();
  dragging(true);
});
document.addEventListener("dragleave", (event) => {
  if (event.relatedTarget === null) dragging(false);
});
document.addEventListener("drop", (event) => {
  dragging(false);
  if (!form() || !event.dataTransfer?.files.length) return;
  event.preventDefault();
  addFiles(Array.from(event.dataTransfer.files));
});
document.addEventListener("htmx:xhr:progress", (event) => {
  const composer = form();
  if (!composer || !composer.contains(event.target) || !event.detail.lengthComputable) return;
  let before = 0;
  const loaded = event.detail.loaded;
  const bars = composer.querySelectorAll(".chosen-files progress");
  chosenFiles().forEach((file, index) => {
    const done = Math.min(Math.max(loaded - before, 0), file.size);
    if (bars[index]) bars[index].value = file.size ? (100 * done) / file.size : 100;
    before += file.size;
  });
});
// A long upload must not be cut by the form's 15 s timeout (meant for a text send).
document.addEventListener("htmx:configRequest", (event) => {
  if (event.target === form() && chosenFiles().length) event.detail.timeout = 0;
});
// htmx swaps nothing on a refused upload (413, 429, 503): the draft and its files stay, and
// the server's reason (which file, why) is shown here.
document.addEventListener("htmx:responseError", (event) => {
  const composer = form();
  const shown = composer?.querySelector(".upload-error");
  if (!shown || event.target !== composer || !chosenFiles().length) return;
  const answer = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  const reason = answer.querySelector(".form-error")?.textContent.trim();
  shown.textContent = reason || "The files could not be sent. Nothing was sent; try again.";
  shown.hidden = false;
});
document.addEventListener("htmx:load", showChosen);
showChosen();
