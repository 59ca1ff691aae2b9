// A thumbnail asked for before the server's worker made it answers 503 (a busy moment): the
// page asks again a few times, waiting longer each time, instead of showing a broken image.
const TRIES = 6;

document.addEventListener(
  "error",
  (event) => {
    const image = event.target;
    if (!(image instanceof HTMLImageElement) || !image.closest(".message-image")) return;
    const tried = Number(image.dataset.tries ?? 0) + 1;
    if (tried > TRIES) return;
    image.dataset.tries = String(tried);
    const address = new URL(image.src, location.href);
    address.searchParams.set("try", String(tried)); // a new address: no cached failure
    setTimeout(() => {
      image.src = address.pathname + address.search;
    }, 500 * 2 ** tried);
  },
  true, // error events do not bubble: listen as they go down
);
