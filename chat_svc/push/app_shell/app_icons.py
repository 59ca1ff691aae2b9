"""The installable app's icons as PNG files (browsers want PNG in these sizes; the SVG
favicon is not enough for a home screen), drawn with Pillow like favicon.svg: the blue
tile with the white speech bubble. Run ``python -m chat_svc.push.app_shell.app_icons``
after changing the mark; the files are committed under web_templates/static/icons/."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICON_DIR = Path(__file__).resolve().parents[3] / "web_templates" / "static" / "icons"
BLUE = (13, 71, 161, 255)
WHITE = (255, 255, 255, 255)
# file name -> (size, "any" or "maskable"); maskable keeps the mark in the 80 % safe zone.
ICONS = {
    "icon-192.png": (192, "any"),
    "icon-512.png": (512, "any"),
    "icon-maskable-512.png": (512, "maskable"),
    "apple-touch-icon.png": (180, "apple"),
}


def draw_icon(size: int, purpose: str) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = size / 32  # favicon.svg's grid
    if purpose == "any":
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=7 * unit, fill=BLUE)
    else:  # maskable and iOS: full bleed, the platform rounds the corners
        draw.rectangle((0, 0, size - 1, size - 1), fill=BLUE)
    scale = 0.8 if purpose == "maskable" else 1.0
    offset = size * (1 - scale) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * unit * scale, offset + y * unit * scale)

    draw.rounded_rectangle((*at(6, 9), *at(26, 22)), radius=2 * unit * scale, fill=WHITE)
    draw.polygon([at(10, 21), at(15, 21), at(10, 26)], fill=WHITE)
    return image


def main() -> None:
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    for name, (size, purpose) in ICONS.items():
        draw_icon(size, purpose).save(ICON_DIR / name, optimize=True)


if __name__ == "__main__":
    main()
