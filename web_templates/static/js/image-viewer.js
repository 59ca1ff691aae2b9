// The image viewer (a modal <dialog>): Escape, the Close button or a click on the backdrop
// closes it and focus returns to the thumbnail. Loaded by image-links.js on the first click.
function viewer() {
  let dialog = document.getElementById("image-viewer");
  if (dialog) return dialog;
  dialog = document.createElement("dialog");
  dialog.id = "image-viewer";
  dialog.className = "image-viewer";
  dialog.setAttribute("aria-label", "Image");
  const close = document.createElement("form");
  close.method = "dialog";
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Close";
  close.append(button);
  dialog.append(close, document.createElement("img"));
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // the backdrop
  });
  document.body.append(dialog);
  return dialog;
}

export function openViewer(link) {
  const dialog = viewer();
  const image = dialog.querySelector("img");
  image.src = link.dataset.fullImage;
  image.alt = link.querySelector("img")?.alt ?? "";
  dialog.addEventListener("close", () => link.focus(), { once: true });
  dialog.showModal();
}
