// A message's image opens in a viewer (a modal <dialog>) instead of a new page; Escape, the
// Close button or a click on the backdrop closes it and focus returns to the thumbnail.
// Without JavaScript the link opens the image itself.
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

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a.image-link");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const dialog = viewer();
  const image = dialog.querySelector("img");
  image.src = link.dataset.fullImage;
  image.alt = link.querySelector("img")?.alt ?? "";
  dialog.addEventListener("close", () => link.focus(), { once: true });
  dialog.showModal();
});
