"""The page at / in a real browser: Debian's chromium, driven by Playwright from PyPI, against the
release server on an ephemeral port. Run by scripts/browser-check.sh (make browser, part of make test).
Screenshots (desktop and phone) are left in $BROWSER_ARTIFACTS."""
import json
import os
import sys
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
from live_server import LiveServer  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.environ.get("BROWSER_ARTIFACTS", ".build/browser-artifacts")

QUANTITIES = ["delta", "weightGradient", "biasGradient", "preactivation", "activation"]
EXAMPLE = {
    "network": {"layers": [
        {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
        {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
    "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]},
    "loss": "quadratic",
    "options": {"include": QUANTITIES + ["inputGradient"], "explain": True},
}


class Server(LiveServer):
    pass


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    os.makedirs(ARTIFACTS, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """A fresh browser tab on the page (or on `path`, say one with a #fragment), recording console
    errors, requests that leave the origin (foreign) and every request's URL and body (requests)."""

    def __init__(self, browser, base, width=1280, height=900, path="/", **context_options):
        self.context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
        self.page = self.context.new_page()
        self.errors, self.foreign, self.requests, self.base = [], [], [], base
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(base + "/") else self.foreign.append(r.url))
        self.page.on("request", lambda r: self.requests.append((r.url, r.post_data_buffer)))
        self.page.goto(base + path)

    def status(self):
        return self.page.text_content("#status")

    def wait_status(self, prefix, previous=None):
        self.page.wait_for_function(
            "([p, old]) => { const t = document.getElementById('status').textContent;"
            " return t.startsWith(p) && t !== old; }", arg=[prefix, previous], timeout=20000)

    def values(self, quantity):
        """The numbers in the accessible table under a heatmap, row by row."""
        return self.page.eval_on_selector_all(
            f"#heatmap-{quantity} table tbody tr",
            "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(c => Number(c.textContent)))")

    def choose_layer(self, l):
        self.page.click(f"#layer-picker button:text-is('Layer {l}')")

    def set_body(self, body):
        self.page.fill("#body", body if isinstance(body, str) else json.dumps(body, indent=2))

    def close(self):
        self.context.close()


def as_rows(v):
    return v if isinstance(v[0], list) else [v]


def test_loads_clean_with_a_strict_policy(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.page.screenshot(path=os.path.join(ARTIFACTS, "page-desktop.png"), full_page=True)
    assert p.errors == [], p.errors
    assert p.foreign == [], p.foreign
    with urllib.request.urlopen(server.base + "/") as r:
        policy = r.headers["Content-Security-Policy"]
        assert r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    # The drawing shows the 2-3-1 network: 2 + 3 + 1 units, 2·3 + 3·1 edges.
    assert p.page.locator("#network circle").count() == 6
    assert p.page.locator("#network line").count() == 9
    p.close()


def test_numbers_equal_the_api(server, browser):
    status, expected = server.post("/v1/gradients", EXAMPLE)
    assert status == 200
    p = Page(browser, server.base)
    p.wait_status("Computed")
    assert str(expected["loss"]) in p.status()
    for layer in (1, 2):
        p.choose_layer(layer)
        got_layer = expected["layers"][layer - 1]
        for q in QUANTITIES:
            assert p.values(q) == as_rows(got_layer[q]), (layer, q)
        assert p.values("weights") == EXAMPLE["network"]["layers"][layer - 1]["weights"]
    # What layer 1's gradient needed, drawn and said: ∇W^1 ← δ^1, a^0 and δ^1 ← W^2, δ^2, z^1.
    p.choose_layer(1)
    boxes = p.page.eval_on_selector_all("#needs text", "ts => ts.map(t => t.textContent)")
    assert boxes == ["δ1", "a0", "∇W1", "W2", "δ2", "z1", "δ1"], boxes
    sentence = p.page.text_content("#needs-sentence")
    assert sentence.startswith("To compute ∇W1 you need δ1 and a0; δ1 in turn needs W2, δ2 and z1"), sentence
    assert p.page.locator("#network circle.reads").count() == 3 + 2  # δ^1 on layer 1, a^0 the inputs
    assert p.page.get_attribute("#network g.edges[data-layer=\"1\"]", "class") == "edges writes"  # ∇W^1
    p.close()


def test_editing_the_body_and_computing_updates_the_numbers(server, browser):
    body = json.loads(json.dumps(EXAMPLE))
    body["batch"]["inputs"] = [[0.5, -1], [2, 0.25]]
    body["network"]["layers"][0]["activation"] = "tanh"
    status, expected = server.post("/v1/gradients", body)
    assert status == 200
    p = Page(browser, server.base)
    p.wait_status("Computed")
    before = p.status()
    p.set_body(body)
    p.page.click("#compute")
    p.wait_status("Computed", before)
    assert str(expected["loss"]) in p.status()
    assert p.values("weightGradient") == expected["layers"][0]["weightGradient"]
    assert p.values("delta") == expected["layers"][0]["delta"]
    assert p.page.input_value("#activation-1") == "tanh"
    p.close()


def test_a_problem_shows_its_detail_and_pointer_and_selects_the_field(server, browser):
    body = json.loads(json.dumps(EXAMPLE))
    body["network"]["layers"][1]["weights"] = [[0.7, 0.8]]
    status, problem = server.post("/v1/gradients", body)
    assert status == 422 and problem["pointer"] == "/network/layers/1/weights"
    p = Page(browser, server.base)
    p.wait_status("Computed")
    text = json.dumps(body, indent=2)
    p.set_body(text)
    p.page.click("#compute")
    p.page.wait_for_selector("#problem:not([hidden])")
    assert p.page.text_content("#problem-detail") == problem["detail"]
    assert p.page.text_content("#problem-pointer") == problem["pointer"]
    assert p.page.text_content("#problem-title") == problem["title"]
    start, end = p.page.evaluate("() => [document.getElementById('body').selectionStart, document.getElementById('body').selectionEnd]")
    assert json.loads(text[start:end]) == [[0.7, 0.8]]
    # Malformed JSON: the 400's place is selected.
    p.set_body('{"network": {"layers": [1, 2,]}}')
    p.page.click("#compute")
    # (A function, not a string: the page's policy forbids eval, which a string predicate needs.)
    p.page.wait_for_function("() => document.getElementById('problem-detail').textContent.includes('trailing comma')")
    start, end = p.page.evaluate("() => [document.getElementById('body').selectionStart, document.getElementById('body').selectionEnd]")
    assert '{"network": {"layers": [1, 2,]}}'[start:end] == "]"
    # The place comes from the problem's offset (bytes of UTF-8), not from its sentence: text with
    # multi-byte characters before the fault still selects the right character.
    wide = '{"note": "café ☕ 𝛅", "network": {"layers": [1, 2,]}}'
    p.set_body(wide)
    p.page.click("#compute")
    p.page.wait_for_function("() => document.getElementById('problem-detail').textContent.includes('byte 55')")
    start, end = p.page.evaluate("() => [document.getElementById('body').selectionStart, document.getElementById('body').selectionEnd]")
    assert wide.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le") == "]"
    p.close()


def test_gradcheck_passes(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.page.click("#gradcheck")
    p.wait_status("Gradient check")
    assert "passed" in p.status()
    results = p.page.eval_on_selector_all("#gradcheck-table tbody td:last-child", "cs => cs.map(c => c.textContent)")
    assert results == ["pass", "pass"]
    p.close()


def test_a_training_step_lowers_the_loss(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.page.fill("#steps", "3")
    p.page.fill("#eta", "0.5")
    p.page.click("#train")
    p.wait_status("Trained")
    losses = p.page.eval_on_selector_all("#loss-table tbody td", "cs => cs.map(c => Number(c.textContent))")
    assert len(losses) == 4
    assert losses[0] == server.post("/v1/gradients", EXAMPLE)[1]["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    # The editor holds the trained network, and the API agrees with the last loss.
    status, answer = server.post("/v1/gradients", p.page.input_value("#body").encode())
    assert status == 200 and answer["loss"] == losses[-1]
    assert p.page.locator("#loss-plot polyline").count() == 1
    p.close()


def test_controls_edit_the_body_consistently(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    before = p.status()
    p.page.click("#add-unit")  # layer 1: 3 → 4 units, layer 2 gets a fourth column
    p.wait_status("Computed", before)
    assert "2-4-1 network" in p.page.text_content("#summary")
    before = p.status()
    p.page.click("#add-layer")
    p.wait_status("Computed", before)
    assert "2-4-4-1 network" in p.page.text_content("#summary")
    before = p.status()
    p.page.select_option("#loss", "mse")
    p.wait_status("Computed", before)
    before = p.status()
    p.page.select_option("#reduction", "sum")
    p.wait_status("Computed", before)
    body = json.loads(p.page.input_value("#body"))
    assert body["loss"] == "mse" and body["options"]["reduction"] == "sum"
    status, answer = server.post("/v1/gradients", body)
    assert status == 200 and str(answer["loss"]) in p.status()
    p.choose_layer(2)
    before = p.status()
    p.page.click("#remove-layer")
    p.wait_status("Computed", before)
    assert "2-4-1 network" in p.page.text_content("#summary")
    p.close()


def test_phone_width_has_no_horizontal_scroll(server, browser):
    p = Page(browser, server.base, width=390, height=844)
    p.wait_status("Computed")
    p.page.click("#gradcheck")
    p.wait_status("Gradient check")
    for details in p.page.locator("details").all():
        details.evaluate("d => d.open = true")
    overflow = p.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    p.page.screenshot(path=os.path.join(ARTIFACTS, "page-phone.png"), full_page=True)
    assert p.errors == []
    p.close()


def test_every_control_is_labelled_and_the_keyboard_reaches_compute(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    unnamed = p.page.evaluate("""() => Array.from(document.querySelectorAll('button, input, select, textarea'))
        .filter(e => e.offsetParent !== null)
        .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.textContent.trim()))
        .map(e => e.outerHTML)""")
    assert unnamed == []
    p.page.evaluate("() => { document.getElementById('status').textContent = ''; }")
    before = ""
    for _ in range(80):
        p.page.keyboard.press("Tab")
        if p.page.evaluate("() => document.activeElement.id") == "compute":
            break
    else:
        pytest.fail("Tab never reached the Compute button")
    p.page.keyboard.press("Enter")
    p.wait_status("Computed", before)
    p.close()


def test_with_a_token_the_page_loads_and_asks_for_it(browser):
    s = Server("--auth-token", "s3cret")
    try:
        assert s.post("/v1/gradients", EXAMPLE)[0] == 401
        p = Page(browser, s.base)
        p.page.wait_for_selector("#token-panel:not([hidden])")
        assert "needs a token" in p.status()
        # Before any answer the menus show the editor's body: float64, mean, quadratic.
        shown = p.page.evaluate("() => ['dtype', 'reduction', 'loss'].map(id => document.getElementById(id).value)")
        assert shown == ["float64", "mean", "quadratic"], shown
        assert p.errors == []  # the page asked before calling, so no 401 was logged
        p.page.fill("#token", "wrong")
        p.page.press("#token", "Enter")
        p.page.wait_for_function("() => !document.getElementById('token-panel').hidden"
                                 " && document.getElementById('status').textContent.includes('needs a token')")
        p.page.fill("#token", "s3cret")
        p.page.click("#token-form button")
        p.wait_status("Computed")
        assert p.page.locator("#token-panel").is_hidden()
        assert p.foreign == []
        p.close()
    finally:
        s.stop()


# ---- The four bugs a review found (issue 22); each test failed on the page before its fix ----

def test_removing_a_layer_with_flat_weights_says_why(server, browser):
    body = json.loads(json.dumps(EXAMPLE))
    body["network"]["layers"][0]["weights"] = {"shape": [3, 2], "data": [0.15, 0.2, 0.3, 0.4, 0.5, 0.6]}
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.set_body(body)
    before = p.status()
    p.page.click("#compute")
    p.wait_status("Computed", before)
    p.choose_layer(1)
    p.page.click("#remove-layer")
    p.wait_status("Removing a layer needs nested weights.")
    assert p.errors == []
    p.close()


def test_removing_a_layer_with_empty_weights_says_why(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.choose_layer(1)
    text = json.dumps(EXAMPLE, indent=2).replace('"weights": [\n          [\n            0.1,', '"weights": [], "w": [\n          [\n            0.1,', 1)
    assert '"weights": [], "w"' in text
    p.set_body(text)  # not computed: the control reads the editor's body as it is
    p.page.click("#remove-layer")
    p.wait_status("Removing a layer needs nested weights.")
    assert p.errors == []
    p.close()


def test_gradcheck_says_when_the_server_does_not_answer(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.page.route("**/v1/gradcheck", lambda route: route.abort())
    p.page.click("#gradcheck")
    p.wait_status("The server did not answer")
    p.close()


def test_train_before_any_computation_computes_first(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/v1/gradients", lambda route: route.abort())
        page.goto(server.base + "/")
        page.wait_for_function("() => document.getElementById('status').textContent.startsWith('The server did not answer')")
        page.unroute("**/v1/gradients")
        page.fill("#steps", "3")
        page.click("#train")
        page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Trained 3 steps')",
                               timeout=20000)
        assert page.locator("#loss-plot polyline").count() == 1
        assert errors == []
    finally:
        context.close()


def test_gradcheck_checks_the_numbers_in_the_editor(server, browser):
    # 1e400 is valid JSON the server refuses with its pointer; a re-serialised body sent null.
    text = json.dumps(EXAMPLE, indent=2).replace('"inputs": [\n      [\n        1,', '"inputs": [\n      [\n        1e400,', 1)
    assert "1e400" in text
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.set_body(text)
    p.page.click("#gradcheck")
    p.wait_status("The server refused the check.")
    assert p.page.text_content("#problem-pointer") == "/batch/inputs/0/0"
    assert "overflows float64" in p.page.text_content("#problem-detail")
    start, end = p.page.evaluate("() => [document.getElementById('body').selectionStart, document.getElementById('body').selectionEnd]")
    assert text[start:end] == "1e400"
    p.close()


def test_gradcheck_maps_a_malformed_offset_back_to_the_editor(server, browser):
    # A duplicate member after the options (JSON.parse keeps the last; the server refuses it, 400
    # with its byte offset): the place is counted in the text sent, whose options were replaced.
    text = json.dumps(EXAMPLE, indent=2)[:-2] + ',\n  "loss": "quadratic"\n}'
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.set_body(text)
    p.page.click("#gradcheck")
    p.wait_status("The server refused the check.")
    assert "duplicate key" in p.page.text_content("#problem-detail")
    start, end = p.page.evaluate("() => [document.getElementById('body').selectionStart, document.getElementById('body').selectionEnd]")
    # Where the server says the editor's own text breaks: right after the duplicate's value.
    expected = text.index('"loss": "quadratic"\n}') + len('"loss": "quadratic"')
    assert (start, end) == (expected, expected + 1), (start, end, expected)
    p.close()


def test_the_menus_offer_the_servers_words(server, browser):
    words = json.loads(urllib.request.urlopen(server.base + "/ui/config.json").read())["vocabulary"]
    p = Page(browser, server.base)
    p.wait_status("Computed")
    options = lambda sel: p.page.eval_on_selector_all(sel + " option", "os => os.map(o => o.value)")  # noqa: E731
    assert options("#loss") == [l["name"] for l in words["losses"]]
    assert options("#reduction") == words["reductions"]
    assert options("#dtype") == words["dtypes"]
    assert options("#activation-1") == [a["name"] for a in words["activations"]]
    assert "linear" not in options("#activation-1")
    # An alias shows as the name it stands for.
    body = json.loads(json.dumps(EXAMPLE))
    body["network"]["layers"][1]["activation"] = "linear"
    body["network"]["layers"][1]["weights"] = [[0.7, 0.8, 0.95]]  # a new loss, so a new status
    before = p.status()
    p.set_body(body)
    p.page.click("#compute")
    p.wait_status("Computed", before)
    assert p.page.eval_on_selector("#activation-2", "s => s.value") == "identity"
    assert p.errors == []
    p.close()
