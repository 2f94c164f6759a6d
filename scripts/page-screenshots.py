#!/usr/bin/env python3
"""The README's screenshots of the page at /, taken in Debian's chromium by Playwright against the
release server on an ephemeral port: the top of the page as it opens, the step-through at a
backward step, and the gradient flow of an 8-layer relu network compared with an 8-layer sigmoid one.
Usage: BACKPROP_BIN=.build/release/backprop-server .build-venv/bin/python scripts/page-screenshots.py
(CHROMIUM overrides /usr/bin/chromium.) Writes docs/images/page-desktop.png, page-steps.png and
page-flow.png."""
import os
import sys

from playwright.sync_api import sync_playwright

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from live_server import LiveServer  # noqa: E402

IMAGES = os.path.join(ROOT, "docs", "images")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def wait_status(page, prefix, previous=None):
    # A function, not an expression: the page's policy forbids eval.
    page.wait_for_function("([p, old]) => { const t = document.getElementById('status').textContent;"
                           " return t.startsWith(p) && t !== old; }", arg=[prefix, previous], timeout=20000)


def shoot(page, selectors, name):
    """A screenshot of the panels holding `selectors`, top of the first to bottom of the last."""
    # In the page's coordinates (bounding_box() gives the viewport's, which scrolls).
    boxes = [page.eval_on_selector(s, "e => { const r = e.closest('section').getBoundingClientRect();"
                                      " return { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height }; }")
             for s in selectors]
    top, bottom = boxes[0]["y"], boxes[-1]["y"] + boxes[-1]["height"]
    left = min(b["x"] for b in boxes)
    right = max(b["x"] + b["width"] for b in boxes)
    margin = 8
    path = os.path.join(IMAGES, name)
    page.screenshot(path=path, full_page=True, clip={"x": left - margin, "y": top - margin,
                                                     "width": right - left + 2 * margin, "height": bottom - top + 2 * margin})
    print(path)


def deepen(page, activation):
    page.select_option("#deep-depth", "8")
    page.select_option("#deep-activation", activation)
    before = page.text_content("#status")
    page.click("#deepen")
    wait_status(page, "Computed", before)


def main():
    server = LiveServer()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.base + "/")
            wait_status(page, "Computed")
            # The page as it opens: the header, the network, the step-through's start.
            page.set_viewport_size({"width": 1100, "height": 1300})
            page.screenshot(path=os.path.join(IMAGES, "page-desktop.png"))
            page.set_viewport_size({"width": 1280, "height": 900})
            print(os.path.join(IMAGES, "page-desktop.png"))
            # The 2-3-1 example's step 9: δ^1, from W^2, δ^2 and z^1, highlighted in the drawing.
            for _ in range(9):
                page.click("#step-next")
            assert page.get_attribute("#step-title", "data-kind") == "delta"
            page.locator("#step-next").blur()
            shoot(page, ["#network", "#step-view", "#needs"], "page-steps.png")
            # Gradient flow: 8 layers of sigmoid, then 8 of relu; the sigmoid flow is kept, dashed.
            deepen(page, "sigmoid")
            deepen(page, "relu")
            assert page.locator("#flow-chart .series.dashed").count() == 3
            shoot(page, ["#flow-chart"], "page-flow.png")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
