// A thumbnail asked for before the server's worker made it answers 503 (a busy moment): the
// page asks again a few times, waiting longer each time, instead of showing a broken image.
// One the worker could not make (an unreadable image or PDF) answers 404: its preview goes,
// the file's link stays. Loaded on a preview's first error (room-page.js).
const TRIES = 6;

export function retryPreview(image) {
  const tried = Number(image.dataset.tries ?? 0) + 1;
  if (tried > TRIES) return;
  image.dataset.tries = String(tried);
  const address = new URL(image.src, location.href);
  address.searchParams.set("try", String(tried)); // a new address: no cached failure
  const status = fetch(address, { method: "HEAD" }).then(
    (answer) => answer.status,
    () => 0, // offline for a moment: asked again like a 503
  );
  status.then((code) => {
    if (code === 404) {
      image.closest("a")?.remove();
      return;
    }
    setTimeout(() => {
      image.src = address.pathname + address.search;
    }, 500 * 2 ** tried);
  });
}
