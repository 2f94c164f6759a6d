"""The step-through, the gradient-flow chart, deeper networks and live training, in a real
browser against the release server: every highlighted quantity and every number checked against
the API's own answer (run with test_page.py by scripts/browser-check.sh)."""
import json
import math

import pytest

from test_page import EXAMPLE, Page, browser, server  # noqa: F401 (fixtures)

# Quantities drawn on a column's units (the rest, weights, on the edges into a column).
ON_UNITS = {"activation", "preactivation", "delta", "biases", "biasGradient"}

EVERYTHING = {"include": ["delta", "weightGradient", "biasGradient", "preactivation", "activation"], "explain": True}

# Four-layer networks whose steps exercise every path of the page's arithmetic: the output
# deltas of each loss (fused or not), each activation's derivative, both reductions, labels.
FOUR_LAYERS = {
    "tanh-relu-sigmoid-softmax, cross-entropy, labels": {
        "network": {"layers": [
            {"weights": [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2], [-0.3, 0.1, 0.4], [0.1, 0.2, 0.3]], "biases": [0.1, 0, -0.1, 0.05], "activation": "tanh"},
            {"weights": [[0.3, -0.2, 0.5, 0.1], [-0.1, 0.4, 0.2, -0.3], [0.2, 0.2, -0.4, 0.5]], "biases": [0.05, 0.1, 0], "activation": "relu"},
            {"weights": [[0.6, -0.3, 0.2], [-0.2, 0.5, 0.4], [0.1, 0.1, -0.6]], "activation": "sigmoid"},
            {"weights": [[0.7, -0.5, 0.3], [-0.4, 0.6, 0.2]], "biases": [0, 0.1], "activation": "softmax"}]},
        "batch": {"inputs": [[1, 2, -1], [0.5, -0.5, 2], [-1, 0.3, 0.7]], "labels": [0, 1, 1]},
        "loss": "cross_entropy",
        "options": EVERYTHING,
    },
    "gelu-silu-softplus-sigmoid, mse, sum": {
        "network": {"layers": [
            {"weights": [[0.4, -0.3], [0.2, 0.6], [-0.5, 0.1]], "activation": "gelu"},
            {"weights": [[0.3, -0.2, 0.5], [-0.1, 0.4, 0.2]], "biases": [0.1, -0.2], "activation": "silu"},
            {"weights": [[0.6, -0.3], [-0.2, 0.5], [0.3, 0.3]], "activation": "softplus"},
            {"weights": [[0.5, -0.4, 0.2], [0.1, 0.3, -0.6]], "activation": "sigmoid"}]},
        "batch": {"inputs": [[1, -2], [0.5, 0.25]], "targets": [[1, 0], [0.3, 0.7]]},
        "loss": "mse",
        "options": dict(EVERYTHING, reduction="sum"),
    },
    "elu-leaky_relu-linear-identity, quadratic": {
        "network": {"layers": [
            {"weights": [[0.4, -0.9], [-0.7, 0.1]], "activation": "elu", "alpha": 0.7},
            {"weights": [[0.3, -0.8], [-0.6, 0.4]], "activation": "leaky_relu", "alpha": 0.1},
            {"weights": [[0.5, -0.4], [0.2, 0.9]], "activation": "linear"},
            {"weights": [[0.6, -0.3]], "activation": "identity"}]},
        "batch": {"inputs": [[1, 2], [-2, 0.5], [0.3, -1]], "targets": [[1], [0], [-1]]},
        "loss": "quadratic",
        "options": EVERYTHING,
    },
    "sigmoid hidden, binary cross-entropy on sigmoid": {
        "network": {"layers": [
            {"weights": [[0.4, -0.3], [0.2, 0.6]], "activation": "sigmoid"},
            {"weights": [[0.3, -0.2], [-0.1, 0.4]], "activation": "tanh"},
            {"weights": [[0.6, -0.3], [-0.2, 0.5]], "activation": "relu"},
            {"weights": [[0.5, -0.4], [0.1, 0.3]], "activation": "sigmoid"}]},
        "batch": {"inputs": [[1, -2], [0.5, 0.25]], "targets": [[1, 0], [0, 1]]},
        "loss": "binary_cross_entropy",
        "options": EVERYTHING,
    },
}


def expected_steps(body, answer):
    """(kind, layer, reads, writes) of every step, the backward reads from the answer's explain."""
    L = len(body["network"]["layers"])
    steps = []
    for l in range(1, L + 1):
        steps.append(("preactivation", l, [("weights", l), ("activation", l - 1), ("biases", l)], ("preactivation", l)))
        steps.append(("activation", l, [("preactivation", l)], ("activation", l)))
    steps.append(("loss", L, [("activation", L), ("targets", None)], ("loss", None)))
    explain = {e["layer"]: e for e in answer["explain"]}
    for l in range(L, 0, -1):
        for q in ("delta", "weightGradient", "biasGradient"):
            steps.append((q, l, [(u["quantity"], u.get("layer")) for u in explain[l][q]["uses"]], (q, l)))
    return steps


def rule_reads(body, kind, layer):
    """What backpropagation's own rules say a backward step reads, independent of explain:
    ∇W^l ← δ^l, a^{l−1}; ∇b^l ← δ^l; δ^l ← W^{l+1}, δ^{l+1} (and z^l unless g is the identity)
    below the output layer. None for δ^L, which depends on the loss."""
    L = len(body["network"]["layers"])
    if kind == "weightGradient":
        return [("delta", layer), ("activation", layer - 1)]
    if kind == "biasGradient":
        return [("delta", layer)]
    if kind == "delta" and layer < L:
        g = body["network"]["layers"][layer - 1].get("activation", "identity")
        return [("weights", layer + 1), ("delta", layer + 1)] + ([] if g in ("identity", "linear") else [("preactivation", layer)])
    return None


def value_of(answer, kind, layer, sample, unit, input_):
    if kind == "loss":
        return answer["loss"]
    got = answer["layers"][layer - 1]
    if kind == "weightGradient":
        return got[kind][unit][input_]
    if kind == "biasGradient":
        return got[kind][unit]
    return got[kind][sample][unit]


def expected_numbers(body, answer, kind, layer, s, i, j):
    """The exact request and answer numbers a step shows for an element, in order (up to four
    terms of a sum), where the step's form does not depend on the loss; None otherwise."""
    layers = body["network"]["layers"]
    got = answer["layers"][layer - 1]
    prev = body["batch"]["inputs"] if layer == 1 else answer["layers"][layer - 2]["activation"]
    if kind == "preactivation":
        W = layers[layer - 1]["weights"]
        terms = [v for k in range(min(4, len(W[i]))) for v in (W[i][k], prev[s][k])]
        return terms + [layers[layer - 1].get("biases", [0] * len(W))[i], got["preactivation"][s][i]]
    if kind == "weightGradient":
        d = got["delta"]
        return [v for n in range(min(4, len(d))) for v in (d[n][i], prev[n][j])] + [got["weightGradient"][i][j]]
    if kind == "biasGradient":
        d = got["delta"]
        return [d[n][i] for n in range(min(4, len(d)))] + [got["biasGradient"][i]]
    if kind == "delta" and layer < len(layers):
        W = layers[layer]["weights"]
        d = answer["layers"][layer]["delta"]
        terms = [v for k in range(min(4, len(W))) for v in (W[k][i], d[s][k])]
        g = layers[layer - 1].get("activation", "identity")
        return terms + ([] if g in ("identity", "linear") else [got["preactivation"][s][i]]) + [got["delta"][s][i]]
    return None


def numbers_in(*values):
    out = set()

    def walk(v):
        if isinstance(v, bool):
            return
        if isinstance(v, (int, float)):
            out.add(float(v))
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
    for v in values:
        walk(v)
    return out


def shown_step(p):
    """What the page shows for the current step, read from the DOM."""
    return p.page.evaluate("""() => {
      const pairs = (sel) => Array.from(document.querySelectorAll(sel)).map(e => [e.dataset.quantity, e.dataset.layer === undefined ? null : Number(e.dataset.layer)]);
      const title = document.getElementById('step-title');
      const numbers = document.getElementById('step-numbers');
      const agreement = document.getElementById('step-agreement');
      const columns = {};
      for (const g of document.querySelectorAll('#network g.layer')) {
        columns[g.dataset.column] = { reads: g.querySelectorAll('circle.reads').length, writes: g.querySelectorAll('circle.writes').length, n: g.querySelectorAll('circle').length };
      }
      const edges = {};
      for (const g of document.querySelectorAll('#network g.edges')) edges[g.dataset.layer] = g.getAttribute('class');
      return {
        position: document.getElementById('step-position').textContent,
        kind: title && title.dataset.kind, layer: title && Number(title.dataset.layer),
        reads: pairs('#step-reads li'), writes: pairs('#step-writes li'),
        needsReads: pairs('#needs rect.reads'), needsWrites: pairs('#needs rect.writes'),
        value: numbers && Number(numbers.dataset.value),
        result: numbers && numbers.querySelector('.num.result').textContent,
        numbers: numbers ? Array.from(numbers.querySelectorAll('.num:not(.derived)')).map(n => Number(n.dataset.value)) : [],
        agrees: agreement && agreement.dataset.agrees,
        columns, edges,
      };
    }""")


def check_step(p, body, answer, expected, k, total, element=(0, 0, 0)):
    kind, layer, reads, writes = expected
    got = shown_step(p)
    where = f"step {k + 1} ({kind} {layer})"
    assert got["position"] == f"Step {k + 1} of {total}", where
    assert (got["kind"], got["layer"]) == (kind, layer), where
    as_pairs = lambda xs: [tuple(x) for x in xs]  # noqa: E731
    # The step's reads: exactly the answer's explain for a backward step, and drawn in the needs
    # diagram and in the network.
    assert as_pairs(got["reads"]) == reads, where
    if rule_reads(body, kind, layer) is not None:
        assert reads == rule_reads(body, kind, layer), where
    assert as_pairs(got["writes"]) == [writes], where
    assert as_pairs(got["needsReads"]) == reads, where
    assert as_pairs(got["needsWrites"]) == [writes], where
    L = len(body["network"]["layers"])
    highlighted_columns = {c for c, v in got["columns"].items() if v["reads"]}
    want_columns = {str(L if q == "targets" else l) for q, l in reads if q in ON_UNITS or q == "targets"}
    assert highlighted_columns == want_columns, where
    for c in want_columns:
        assert got["columns"][c]["reads"] == got["columns"][c]["n"], where
    highlighted_edges = {l for l, cls in got["edges"].items() if "reads" in cls.split()}
    assert highlighted_edges == {str(l) for q, l in reads if q == "weights"}, where
    if writes[0] == "weightGradient":
        assert "writes" in got["edges"][str(writes[1])].split(), where
    else:
        column = str(L if writes[0] == "loss" else writes[1])
        assert got["columns"][column]["writes"] == got["columns"][column]["n"], where
    # The numbers: the result is the API's, every number not marked as worked out by the page is
    # the request's or the answer's, and the page's arithmetic on them gives the result.
    sample, unit, input_ = element
    assert got["value"] == value_of(answer, kind, layer, sample, unit, input_), where
    known = numbers_in(body, answer)
    assert all(v in known for v in got["numbers"]), (where, [v for v in got["numbers"] if v not in known])
    want = expected_numbers(body, answer, kind, layer, sample, unit, input_)
    if want is not None:
        assert got["numbers"] == want, (where, got["numbers"], want)
    assert got["agrees"] == "true", where
    return got


def open_and_compute(server, browser, body):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    if body == EXAMPLE:
        return p
    p.set_body(body)
    # The same loss would give the same status: clear it first, to see the new one arrive.
    p.page.evaluate("() => { document.getElementById('status').textContent = ''; }")
    p.page.click("#compute")
    p.wait_status("Computed", "")
    return p


def test_step_through_every_step_of_the_2_3_1_example(server, browser):
    status, answer = server.post("/v1/gradients", EXAMPLE)
    assert status == 200
    p = Page(browser, server.base)
    p.wait_status("Computed")
    steps = expected_steps(EXAMPLE, answer)
    assert len(steps) == 11
    assert p.page.text_content("#step-position") == "11 steps: press Next (or →) to start."
    assert p.page.is_disabled("#step-back")
    for k, expected in enumerate(steps):
        p.page.click("#step-next")
        check_step(p, EXAMPLE, answer, expected, k, len(steps))
    assert p.page.is_disabled("#step-next")
    # The issue's own example: δ^1_2 of the first sample = (Σ_k W^2_{k2} δ^2_k) · σ'(z^1_2) = 0.0597.
    p.page.keyboard.press("ArrowLeft")
    p.page.keyboard.press("ArrowLeft")
    assert shown_step(p)["kind"] == "delta" and shown_step(p)["layer"] == 1
    p.page.select_option("#step-unit", index=1)
    got = check_step(p, EXAMPLE, answer, steps[8], 8, len(steps), element=(0, 1, 0))
    assert got["result"] == "0.05973"
    text = p.page.inner_text("#step-numbers")
    assert "0.7" not in text and "0.8·0.3985" in text.replace("(", "").replace(")", "") and "σ'(1.1)" in text, text
    # Back to the start, by the arrow keys: the page leaves the step-through.
    for _ in range(9):
        p.page.keyboard.press("ArrowLeft")
    assert p.page.text_content("#step-position").startswith("11 steps")
    assert p.errors == [] and p.foreign == []
    p.close()


@pytest.mark.parametrize("name", list(FOUR_LAYERS))
def test_step_through_a_four_layer_network(server, browser, name):
    body = FOUR_LAYERS[name]
    status, answer = server.post("/v1/gradients", body)
    assert status == 200, answer
    p = open_and_compute(server, browser, body)
    steps = expected_steps(body, answer)
    assert len(steps) == 4 * 2 + 1 + 4 * 3
    for k, expected in enumerate(steps):
        p.page.keyboard.press("ArrowRight")
        check_step(p, body, answer, expected, k, len(steps))
    # Another element: the last sample, the second unit, the second input, on every step.
    element = (len(body["batch"]["inputs"]) - 1, 1, 1)
    for k in range(len(steps) - 1, -1, -1):
        kind, layer = steps[k][0], steps[k][1]
        widths = [len(body["network"]["layers"][0]["weights"][0])] + [len(x["weights"]) for x in body["network"]["layers"]]
        unit = min(1, widths[layer] - 1)
        if kind not in ("weightGradient", "biasGradient"):
            p.page.select_option("#step-sample", index=element[0])
        if kind != "loss" and widths[layer] > 1:
            p.page.select_option("#step-unit", index=unit)
        if kind == "weightGradient":
            p.page.select_option("#step-input", index=1)
        check_step(p, body, answer, steps[k], k, len(steps), element=(element[0], unit, 1))
        p.page.click("#step-back")
    assert p.errors == [] and p.foreign == []
    p.close()


def norms_of(answer):
    frob = lambda m: math.sqrt(sum(v * v for row in m for v in (row if isinstance(row, list) else [row])))  # noqa: E731
    return [{"delta": frob(x["delta"]), "weightGradient": frob(x["weightGradient"]), "biasGradient": frob(x["biasGradient"])}
            for x in answer["layers"]]


def flow_table(p):
    return p.page.evaluate("""() => Array.from(document.querySelectorAll('#flow-table tbody tr')).map(tr => {
      const row = {};
      for (const td of tr.querySelectorAll('td[data-quantity]')) row[td.dataset.quantity] = Number(td.dataset.value);
      return row; })""")


def flow_points(p, key):
    return p.page.evaluate("(key) => Array.from(document.querySelectorAll(`#flow-chart g[data-series='${key}'] circle`)).map(c => Number(c.dataset.value))", key)


def test_the_gradient_flow_chart_draws_the_apis_norms(server, browser):
    for body in [EXAMPLE, FOUR_LAYERS["tanh-relu-sigmoid-softmax, cross-entropy, labels"]]:
        status, answer = server.post("/v1/gradients", body)
        p = open_and_compute(server, browser, body)
        want = norms_of(answer)
        got = flow_table(p)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            for q in ("delta", "weightGradient", "biasGradient"):
                assert math.isclose(g[q], w[q], rel_tol=1e-12), (q, g, w)
        for q in ("delta", "weightGradient", "biasGradient"):
            points = flow_points(p, q)
            assert len(points) == len(want)
            assert all(math.isclose(a, w[q], rel_tol=1e-12) for a, w in zip(points, want))
        p.close()


def build_deep(p, activation, depth="8"):
    before = p.status()
    p.page.select_option("#deep-depth", depth)
    p.page.select_option("#deep-activation", activation)
    p.page.click("#deepen")
    p.wait_status("Computed", before)


def test_a_deep_sigmoid_network_shows_vanishing_gradients_and_relu_compares(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    build_deep(p, "sigmoid")
    body = json.loads(p.page.input_value("#body"))
    layers = body["network"]["layers"]
    assert len(layers) == 8 and all(x["activation"] == "sigmoid" for x in layers[:-1])
    assert layers[-1]["activation"] == "identity" and len(layers[0]["weights"][0]) == 2
    status, answer = server.post("/v1/gradients", body)
    assert status == 200
    got = flow_table(p)
    want = norms_of(answer)
    assert all(math.isclose(g["delta"], w["delta"], rel_tol=1e-12) for g, w in zip(got, want))
    sigmoid_ratio = got[0]["delta"] / got[-1]["delta"]
    assert got[0]["delta"] < got[-1]["delta"] and sigmoid_ratio < 1e-3, got
    # The same depth of ReLU: the sigmoid flow is kept, dashed, beside it; ReLU's keeps its size.
    build_deep(p, "relu")
    got = flow_table(p)
    relu_ratio = got[0]["delta"] / got[-1]["delta"]
    assert relu_ratio > 100 * sigmoid_ratio, (relu_ratio, sigmoid_ratio)
    kept = flow_points(p, "delta-pinned")
    assert len(kept) == 8 and math.isclose(kept[0], want[0]["delta"], rel_tol=1e-12)
    assert "8 layers of sigmoid" in p.page.text_content("#flow-legend")
    p.page.click("#unpin-flow")
    assert flow_points(p, "delta-pinned") == []
    assert p.errors == [] and p.foreign == []
    p.close()


def loss_points(p):
    return p.page.eval_on_selector_all("#loss-plot circle.loss-point", "cs => cs.map(c => Number(c.dataset.value))")


def test_training_draws_one_point_per_step_and_stops(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.page.fill("#steps", "4")
    p.page.click("#train")
    p.wait_status("Trained")
    assert len(loss_points(p)) == 5
    # One ‖∇W^l‖ point per step for each layer.
    for layer in (1, 2):
        assert p.page.locator(f"#norms-plot g[data-series='layer-{layer}'] circle").count() == 5
    # The points are the losses the API gives for the bodies the editor went through: the last.
    status, answer = server.post("/v1/gradients", p.page.input_value("#body").encode())
    assert loss_points(p)[-1] == answer["loss"]
    # A long run, stopped: drawn while it runs (points on the chart while Stop is enabled), it
    # ends after the step in flight, says how many it made, and has one point per step made
    # (plus the start).
    p.page.fill("#steps", "200")
    p.page.click("#train")
    p.page.wait_for_function(
        "() => !document.getElementById('stop').disabled"
        " && document.querySelectorAll('#loss-plot circle.loss-point').length >= 4")
    assert p.page.is_disabled("#train")
    p.page.click("#stop")
    p.wait_status("Stopped after")
    made = int(p.status().split("Stopped after ")[1].split(" ")[0])
    assert 3 <= made < 200
    assert len(loss_points(p)) == made + 1
    assert p.page.is_enabled("#train") and p.page.is_disabled("#stop")
    assert p.errors == [] and p.foreign == []
    p.close()


def walk_all_steps(p, body, answer):
    """Steps through every step; returns what each showed (its numbers' agreement or message)."""
    seen = []
    for k in range(len(expected_steps(body, answer))):
        p.page.click("#step-next")
        seen.append(p.page.evaluate("""() => { const a = document.getElementById('step-agreement');
          const m = document.querySelector('#step-view .absent');
          return [document.getElementById('step-title').dataset.kind, a ? a.dataset.agrees : null, m ? m.textContent : null]; }"""))
    return seen


def test_float32_answers_agree_with_the_pages_arithmetic(server, browser):
    body = json.loads(json.dumps(EXAMPLE))
    body["options"]["dtype"] = "float32"
    status, answer = server.post("/v1/gradients", body)
    assert status == 200 and answer["dtype"] == "float32"
    p = open_and_compute(server, browser, body)
    seen = walk_all_steps(p, body, answer)
    assert all(agrees == "true" for _, agrees, _ in seen), seen
    assert "float32" in p.page.text_content("#step-agreement")
    p.close()


def test_cross_entropy_targets_that_do_not_sum_to_one_and_saturated_logits(server, browser):
    # Cross-entropy's gradient is p·Σy − y; binary cross-entropy on identity outputs takes the
    # logits, whose loss the page computes the server's stable way (z = ±60 here).
    cross = {"network": {"layers": [{"weights": [[0.3, -0.2], [0.1, 0.4]], "activation": "tanh"},
                                    {"weights": [[0.5, -0.3], [0.2, 0.6]], "activation": "softmax"}]},
             "batch": {"inputs": [[1, 2], [-1, 0.5]], "targets": [[0.5, 0.2], [1, 1]]},
             "loss": "cross_entropy", "options": EVERYTHING}
    binary = {"network": {"layers": [{"weights": [[30, 0], [0, -30]], "activation": "identity"},
                                     {"weights": [[1, 0], [0, 1]], "activation": "identity"}]},
              "batch": {"inputs": [[2, 2], [-2, 1]], "targets": [[0, 1], [1, 0]]},
              "loss": "binary_cross_entropy", "options": EVERYTHING}
    for body in (cross, binary):
        status, answer = server.post("/v1/gradients", body)
        assert status == 200, answer
        p = open_and_compute(server, browser, body)
        seen = walk_all_steps(p, body, answer)
        assert all(agrees == "true" for _, agrees, _ in seen), seen
        p.close()


def test_biases_in_another_encoding_are_not_shown_as_zero(server, browser):
    body = json.loads(json.dumps(EXAMPLE))
    body["network"]["layers"][0]["biases"] = {"shape": [3], "data": [0.5, 0, 0]}
    status, answer = server.post("/v1/gradients", body)
    assert status == 200, answer
    p = open_and_compute(server, browser, body)
    seen = walk_all_steps(p, body, answer)
    # z^1's step says what it lacks and offers the fix; every other step agrees.
    assert seen[0][1] is None and "nested biases" in seen[0][2], seen[0]
    assert all(agrees == "true" for _, agrees, _ in seen[1:]), seen
    p.close()


def test_a_step_lacking_quantities_offers_to_ask_for_them(server, browser):
    body = json.loads(json.dumps(EXAMPLE))
    body["options"] = {"explain": True}
    p = open_and_compute(server, browser, body)
    p.page.click("#step-next")
    assert "(preactivation) in the answer" in p.page.text_content("#step-view .absent")
    p.page.click("#step-fix")
    p.page.wait_for_function("() => document.getElementById('step-agreement') !== null")
    edited = json.loads(p.page.input_value("#body"))
    assert edited["options"]["explain"] is True and "preactivation" in edited["options"]["include"]
    assert p.page.text_content("#step-position") == "Step 1 of 11"
    assert p.page.get_attribute("#step-agreement", "data-agrees") == "true"
    p.close()


def test_training_holds_the_controls_that_would_race_it(server, browser):
    p = Page(browser, server.base)
    p.wait_status("Computed")
    p.page.fill("#steps", "200")
    p.page.click("#train")
    p.page.wait_for_function("() => !document.getElementById('stop').disabled")
    for control in ("#compute", "#add-layer", "#deepen", "#loss", "#reduction", "#gradcheck", "#reset", "#activation-1"):
        assert p.page.is_disabled(control), control
    assert p.page.eval_on_selector("#body", "e => e.readOnly")
    # Another link's request (a hashchange) ends the run: its computation is the one drawn.
    other = json.loads(json.dumps(EXAMPLE))
    other["batch"]["inputs"] = [[0.5, 0.5], [1, -1]]
    status, answer = server.post("/v1/gradients", other)
    fragment = p.page.evaluate("async (text) => (await import('/ui/js/editor.js')).fragmentFor(text)", json.dumps(other))
    p.page.evaluate("(f) => { location.hash = f; }", fragment)
    p.page.wait_for_function("(loss) => document.getElementById('summary').textContent.includes(String(loss))"
                             " && !document.getElementById('train').disabled", arg=answer["loss"])
    assert p.page.input_value("#body") == json.dumps(other)
    assert p.page.is_enabled("#compute") and not p.page.eval_on_selector("#body", "e => e.readOnly")
    assert p.errors == [] and p.foreign == []
    p.close()
