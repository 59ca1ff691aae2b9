// A message's image opens in the viewer instead of a new page; the viewer's code loads on the
// first click (most visits open no image). Without JavaScript the link opens the image itself.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a.image-link");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  import("./image-viewer.js").then(({ openViewer }) => openViewer(link));
});
