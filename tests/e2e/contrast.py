"""Colour contrast as WCAG 2 measures it, computed in the page from the styles in force."""

from __future__ import annotations

# WCAG 2 contrast of an element's text against the first opaque background behind it.
CONTRAST_JS = """
(element) => {
  const rgb = (value) => value.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let behind = element;
  let background = null;
  while (behind) {
    const parts = rgb(getComputedStyle(behind).backgroundColor);
    if (parts.length < 4 || parts[3] > 0) { background = parts; break; }
    behind = behind.parentElement;
  }
  background = background || [255, 255, 255];
  const a = luminance(rgb(getComputedStyle(element).color));
  const b = luminance(background);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""
