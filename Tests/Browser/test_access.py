"""The page at / for everyone (issue 22): axe-core finds no violations, a phone's width needs no
horizontal scroll, every control works from the keyboard alone, and a link holds the request in
its #fragment, which never leaves the browser. Every tab opened here is checked at the end: no
request left the origin and the console stayed clean."""
import base64
import json

import pytest
from axe_playwright_python.sync_playwright import Axe

# The fixtures (server, browser) and the tab helper are test_page.py's; pytest finds fixtures
# imported into a test module.
from test_page import EXAMPLE, Page, browser, server  # noqa: F401

AXE = Axe()


@pytest.fixture
def tab(server, browser):  # noqa: F811
    """Opens tabs on the page; at the end each must have sent nothing beyond this origin and
    logged no error."""
    opened = []

    def open_tab(**options):
        p = Page(browser, server.base, **options)
        opened.append(p)
        return p

    yield open_tab
    for p in opened:
        foreign, errors = p.foreign, p.errors
        p.close()
        assert foreign == [], foreign
        assert errors == [], errors


def recomputed(p, action):
    before = p.status()
    action()
    p.wait_status("Computed", before)


def fragment_of(text):
    return "#body=" + base64.urlsafe_b64encode(text.encode("utf-8")).decode().rstrip("=")


def text_of_fragment(fragment):
    assert fragment.startswith("#body="), fragment
    data = fragment[len("#body="):]
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8")


# ---- axe-core and the phone's width, in each state the page can be in ----

def axe_violations(p):
    # axe-core is injected by Playwright's evaluate (the DevTools protocol), which the page's
    # policy does not govern: no bypass_csp is needed. Closed <details> are opened first so their
    # tables are checked too.
    p.page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
    found = AXE.run(p.page).response["violations"]
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found]


def overflow(p):
    p.page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
    return p.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def each_state(p):
    """Walks the page through its states, yielding each one's name: computed; in the step-through
    (a backward step, its element menus shown); a deeper network (the gradient flow compared with
    the kept one, dashed, and its table); trained a few steps (the training charts)."""
    p.wait_status("Computed")
    yield "computed"
    for _ in range(6):
        p.page.click("#step-next")
    assert p.page.text_content("#step-position") == "Step 6 of 11"
    assert p.page.get_attribute("#step-title", "data-kind") == "delta"
    yield "step-through"
    recomputed(p, lambda: p.page.click("#deepen"))
    assert p.page.locator("#flow-table tbody tr").count() == 8
    assert p.page.locator("#flow-chart .series.dashed").count() == 3
    yield "deeper network"
    p.page.fill("#steps", "3")
    p.page.click("#train")
    p.wait_status("Trained 3 steps")
    assert p.page.locator("#loss-plot polyline").count() == 1
    assert p.page.locator("#norms-plot .series").count() == 8
    yield "trained"


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violations(tab, width):
    p = tab(width=width, height=900)
    for state in each_state(p):
        assert axe_violations(p) == [], (width, state)


def test_a_phone_needs_no_horizontal_scroll_in_any_state(tab):
    p = tab(width=390, height=844)
    for state in each_state(p):
        assert overflow(p) <= 0, f"{state}: the page is {overflow(p)}px wider than the screen"


# ---- The keyboard alone ----

def active(p):
    """The focused control: its id, else its tag and text."""
    return p.page.evaluate("() => { const e = document.activeElement;"
                           " return e.id || (e.tagName.toLowerCase() + ':' + e.textContent.trim()); }")


def tab_to(p, target, key="Tab", limit=150):
    if active(p) == target:
        return
    for _ in range(limit):
        p.page.keyboard.press(key)
        if active(p) == target:
            return
    pytest.fail(f"{key} never reached {target}")


def position(p):
    return p.page.text_content("#step-position")


def controls(p):
    """Every visible, enabled control, named as active() names it."""
    return p.page.evaluate("""() => Array.from(document.querySelectorAll(
            'button, select, input, textarea, summary, a[href]'))
        .filter(e => e.getClientRects().length > 0 && !e.disabled)
        .map(e => e.id || (e.tagName.toLowerCase() + ':' + e.textContent.trim()))""")


def tabbed(p, presses=150):
    seen = []
    for _ in range(presses):
        p.page.keyboard.press("Tab")
        seen.append(active(p))
    return set(seen)


def test_tab_reaches_every_control_and_focus_is_visible(tab):
    p = tab()
    p.wait_status("Computed")
    everything = controls(p)
    assert {"step-next", "compute", "share", "deepen", "pin-flow", "train", "gradcheck", "reduction",
            "activation-1", "layer-button-2", "body", "eta", "steps"} <= set(everything)
    missing = set(everything) - tabbed(p)
    assert missing == set(), missing
    # In the step-through the element menus appear; they are reached too.
    p.page.click("#step-next")
    p.page.click("#step-next")
    assert position(p) == "Step 2 of 11"
    everything = controls(p)
    assert {"step-sample", "step-unit"} <= set(everything)
    missing = set(everything) - tabbed(p)
    assert missing == set(), missing
    # Focus is visible: a button focused from the keyboard has an outline.
    tab_to(p, "compute")
    outline = p.page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                              " return [s.outlineStyle, s.outlineWidth, document.activeElement.matches(':focus-visible')]; }")
    assert outline[0] != "none" and outline[1] != "0px" and outline[2], outline


def test_every_control_works_from_the_keyboard(tab, server):
    p = tab()
    p.wait_status("Computed")
    kb = p.page.keyboard
    # The step-through: Next with Enter and Space, Back with Shift+Tab and Enter.
    tab_to(p, "step-next")
    kb.press("Enter")
    kb.press("Enter")
    kb.press(" ")
    assert position(p) == "Step 3 of 11"
    kb.press("Shift+Tab")
    assert active(p) == "step-back"
    kb.press("Enter")
    assert position(p) == "Step 2 of 11"
    # At the last step Next is disabled and hands the keyboard to Back, not to the page.
    tab_to(p, "step-next")
    for _ in range(9):
        kb.press("Enter")
    assert position(p) == "Step 11 of 11" and active(p) == "step-back"
    for _ in range(9):
        kb.press("Enter")
    assert position(p) == "Step 2 of 11"
    # ← and → step while the focus is not in a form field (here: on a button).
    kb.press("ArrowRight")
    kb.press("ArrowRight")
    assert position(p) == "Step 4 of 11"
    kb.press("ArrowLeft")
    kb.press("ArrowLeft")
    assert position(p) == "Step 2 of 11"
    assert p.page.get_attribute("#step-title", "data-kind") == "activation"
    # The step's Unit menu: a^1's second unit, whose value the step's numbers show.
    tab_to(p, "step-unit")
    kb.press("ArrowDown")
    assert p.page.eval_on_selector("#step-unit", "s => s.value") == "1"
    _, answer = server.post("/v1/gradients", EXAMPLE)
    assert float(p.page.get_attribute("#step-numbers", "data-value")) == answer["layers"][0]["activation"][0][1]
    assert active(p) == "step-unit"
    # Arrows in a menu are the menu's: they do not step.
    kb.press("ArrowLeft")
    assert position(p) == "Step 2 of 11"
    # A layer button, pressed with Enter, keeps the keyboard's place though the picker is redrawn.
    tab_to(p, "layer-button-2", key="Shift+Tab")
    kb.press("Enter")
    assert p.page.get_attribute("#layer-button-2", "aria-pressed") == "true"
    assert active(p) == "layer-button-2"
    # The Reduction menu: mean → sum, computed again; the menu keeps the focus.
    tab_to(p, "reduction")
    before = p.status()
    kb.press("ArrowDown")
    p.wait_status("Computed", before)
    assert json.loads(p.page.input_value("#body"))["options"]["reduction"] == "sum"
    assert active(p) == "reduction"
    # A layer's activation menu is redrawn by every answer: the focus stays on it.
    tab_to(p, "activation-1")
    before = p.status()
    kb.press("ArrowDown")
    p.wait_status("Computed", before)
    assert json.loads(p.page.input_value("#body"))["network"]["layers"][0]["activation"] != "sigmoid"
    assert active(p) == "activation-1"
    # Compute.
    tab_to(p, "compute")
    p.page.evaluate("() => { document.getElementById('status').textContent = ''; }")
    kb.press("Enter")
    p.wait_status("Computed", "")
    # Run gradcheck.
    tab_to(p, "gradcheck")
    kb.press("Enter")
    p.wait_status("Gradient check passed")
    # Back to the example, then a deeper network of relu (the menu by keyboard), kept for comparison.
    tab_to(p, "reset", key="Shift+Tab")
    before = p.status()
    kb.press("Enter")
    p.wait_status("Computed", before)
    assert json.loads(p.page.input_value("#body")) == json.loads(json.dumps(EXAMPLE))
    tab_to(p, "deep-activation", key="Shift+Tab")
    while p.page.eval_on_selector("#deep-activation", "s => s.value") != "relu":
        kb.press("ArrowDown")
    tab_to(p, "deepen")
    before = p.status()
    kb.press("Enter")
    p.wait_status("Computed", before)
    assert p.page.locator("#flow-table tbody tr").count() == 8
    assert [l.get("activation") for l in json.loads(p.page.input_value("#body"))["network"]["layers"][:-1]] == ["relu"] * 7
    tab_to(p, "pin-flow")
    kb.press(" ")
    p.wait_status("Kept the gradient flow of 8 layers of relu")
    assert p.page.locator("#flow-chart .series.dashed").count() == 3
    # Train a few steps, then a long run stopped with Stop.
    tab_to(p, "steps")
    kb.press("Control+A")
    kb.type("3")
    tab_to(p, "train")
    kb.press("Enter")
    p.wait_status("Trained 3 steps")
    tab_to(p, "steps", key="Shift+Tab")
    kb.press("Control+A")
    kb.type("200")
    tab_to(p, "train")
    kb.press("Enter")
    p.page.wait_for_function("() => !document.getElementById('stop').disabled")
    # Train, now disabled, handed the keyboard to Stop; Stop, once done, hands it back.
    assert active(p) == "stop"
    kb.press("Enter")
    p.wait_status("Stopped after")
    assert active(p) == "train"
    assert p.page.locator("#loss-table tbody tr").count() < 201
    # Put the request in the link.
    tab_to(p, "share")
    kb.press("Enter")
    p.wait_status("The address bar now holds this request")
    assert text_of_fragment("#" + p.page.url.split("#", 1)[1]) == p.page.input_value("#body")


# ---- Links that hold the request ----

def edited_example():
    body = json.loads(json.dumps(EXAMPLE))
    body["batch"]["inputs"] = [[0.25, -1.5], [3, 0.125]]
    body["network"]["layers"][1]["weights"] = [[0.7, -0.8, 0.95]]
    return body


def test_a_shared_link_opens_the_same_request(tab, server):
    body = edited_example()
    text = json.dumps(body, indent=1)
    status, expected = server.post("/v1/gradients", body)
    assert status == 200
    p = tab()
    p.wait_status("Computed")
    p.set_body(text)
    p.page.click("#share")
    p.wait_status("The address bar now holds this request")
    url = p.page.url
    assert url.startswith(p.base + "/#body=")
    fragment = "#" + url.split("#", 1)[1]
    assert text_of_fragment(fragment) == text
    # Opened in a new tab, the link's request is in the editor, byte for byte, and computed.
    q = tab(path="/" + fragment)
    q.wait_status("Computed")
    assert q.page.input_value("#body") == text
    assert "loss " + str(expected["loss"]) + " " in q.status()
    assert q.values("weightGradient") == expected["layers"][0]["weightGradient"]
    # Nothing but this origin saw a request, and no request's address holds the fragment.
    for t in (p, q):
        assert t.foreign == []
        assert t.requests and all(u.startswith(server.base + "/") for u, _ in t.requests)
        assert [u for u, _ in t.requests if "#" in u or "body=" in u or fragment[6:26] in u] == []


def test_a_link_keeps_any_text_in_utf8(tab):
    # Not a request the API accepts (it refuses unknown members), but the editor gets it exactly.
    text = '{"note": "café ☕ 𝛅", "network": {"layers": []}}'
    p = tab(path="/" + fragment_of(text))
    p.wait_status("The server refused the request.")
    assert p.page.input_value("#body") == text
    assert all("422" in e for e in p.errors)  # the refusal, logged by the browser as expected
    p.errors.clear()


def test_a_damaged_link_shows_the_example_and_says_so(tab, server):
    _, expected = server.post("/v1/gradients", EXAMPLE)
    p = tab(path="/#body=!!!")
    p.wait_status("Computed")
    assert "could not be read" in p.status(), p.status()
    assert "loss " + str(expected["loss"]) + " " in p.status()
    assert json.loads(p.page.input_value("#body")) == json.loads(json.dumps(EXAMPLE))


def test_a_new_fragment_in_the_address_computes_it(tab, server):
    body = edited_example()
    text = json.dumps(body, indent=2)
    _, expected = server.post("/v1/gradients", body)
    p = tab()
    p.wait_status("Computed")
    before = p.status()
    p.page.evaluate("f => { location.hash = f; }", fragment_of(text))
    p.wait_status("Computed", before)
    assert "loss " + str(expected["loss"]) + " " in p.status()
    assert p.page.input_value("#body") == text
    assert all("body=" not in u for u, _ in p.requests)
