"""Layout checks the crawl runs on every page (tests/browser/test_every_page.py)."""

from __future__ import annotations

# Each visible button (or link styled as one) in the page's main part whose right edge lies beyond the right edge
# of its nearest scrolling table container or card: at 1366 px the user would have to find a scroll bar to reach
# it, or could not reach it at all. Buttons inside closed <details> have no box and are skipped.
CLIPPED_BUTTONS = """() => {
  const clipped = [];
  for (const button of document.querySelectorAll("main .btn, main button")) {
    const own = button.getBoundingClientRect();
    if (own.width === 0 && own.height === 0) continue;
    const box = button.closest(".table-responsive, .card");
    if (!box) continue;
    const edge = box.getBoundingClientRect().right;
    if (own.right > edge + 1) {
      clipped.push(`“${button.innerText.trim()}” ends ${Math.round(own.right - edge)}px beyond its ` +
                   (box.classList.contains("card") ? "card" : "table container"));
    }
  }
  return clipped;
}"""


def clipped_buttons(page) -> list[str]:
    """What ``CLIPPED_BUTTONS`` finds on the page shown."""
    return page.evaluate(CLIPPED_BUTTONS)
