#!/usr/bin/env python3
"""Makes gradients.json: requests for /v1/gradients and the answers of an independent autodiff.

The reference is a scalar reverse-mode autodiff (micrograd-style) written here from scratch: it
knows nothing of matrices, deltas or fused losses. Every weight, bias and preactivation is a node;
the loss is built from exp/log per element exactly as docs/api.md defines it, and `backward()` gives
dC/dW, dC/db and dC/dz (= delta). Run: python3 make_fixtures.py > gradients.json
"""
import json
import math
import random


class V:
    __slots__ = ("v", "g", "parents")

    def __init__(self, v, parents=()):
        self.v, self.g, self.parents = float(v), 0.0, parents  # parents: ((node, local_grad), ...)

    def __add__(self, o):
        o = o if isinstance(o, V) else V(o)
        return V(self.v + o.v, ((self, 1.0), (o, 1.0)))


    def __mul__(self, o):
        o = o if isinstance(o, V) else V(o)
        return V(self.v * o.v, ((self, o.v), (o, self.v)))

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, o):
        return self + (-o if isinstance(o, V) else V(-o))

    def __radd__(self, o):
        return V(o) + self

    def __rsub__(self, o):
        return V(o) - self

    def __truediv__(self, o):
        o = o if isinstance(o, V) else V(o)
        return V(self.v / o.v, ((self, 1 / o.v), (o, -self.v / (o.v * o.v))))

    def __rtruediv__(self, o):
        return V(o) / self

    def exp(self):
        e = math.exp(self.v)
        return V(e, ((self, e),))

    def log(self):
        return V(math.log(self.v), ((self, 1 / self.v),))

    def tanh(self):
        t = math.tanh(self.v)
        return V(t, ((self, 1 - t * t),))

    def erf(self):
        return V(math.erf(self.v), ((self, 2 / math.sqrt(math.pi) * math.exp(-self.v * self.v)),))

    def where_positive(self, pos, neg):
        """pos(self) if self > 0 else neg(self): a piecewise function, each branch differentiated."""
        return pos(self) if self.v > 0 else neg(self)

    def backward(self):
        order, seen = [], set()

        def visit(n):
            if id(n) in seen:
                return
            seen.add(id(n))
            for p, _ in n.parents:
                visit(p)
            order.append(n)

        visit(self)
        self.g = 1.0
        for n in reversed(order):
            for p, local in n.parents:
                p.g += local * n.g


def sigmoid(z):
    return 1 / (1 + (-z).exp())


def act(name, alpha, zs):
    if name in ("identity", "linear"):
        return zs
    if name == "softmax":
        m = max(z.v for z in zs)
        es = [(z - m).exp() for z in zs]
        s = sum(es[1:], es[0])
        return [e / s for e in es]
    f = {
        "sigmoid": sigmoid,
        "tanh": lambda z: z.tanh(),
        "relu": lambda z: z.where_positive(lambda x: x, lambda x: x * 0.0),
        "leaky_relu": lambda z: z.where_positive(lambda x: x, lambda x: x * alpha),
        "elu": lambda z: z.where_positive(lambda x: x, lambda x: alpha * (x.exp() - 1)),
        "softplus": lambda z: (1 + z.exp()).log(),
        "gelu": lambda z: z * 0.5 * (1 + (z / math.sqrt(2)).erf()),
        "silu": lambda z: z * sigmoid(z),
    }[name]
    return [f(z) for z in zs]


def sample_loss(loss, out_act, z, a, y):
    n = len(a)
    if loss == "quadratic":
        return sum(((a[j] - y[j]) * (a[j] - y[j]) for j in range(1, n)), (a[0] - y[0]) * (a[0] - y[0])) * 0.5
    if loss == "mse":
        return sum(((a[j] - y[j]) * (a[j] - y[j]) for j in range(1, n)), (a[0] - y[0]) * (a[0] - y[0])) / n
    if loss == "cross_entropy":
        p = a if out_act == "softmax" else act("softmax", 0, a)
        return -sum((p[j].log() * y[j] for j in range(1, n)), p[0].log() * y[0])
    if loss == "binary_cross_entropy":
        p = a if out_act == "sigmoid" else [sigmoid(x) for x in a]
        terms = [p[j].log() * y[j] + (1 - p[j]).log() * (1 - y[j]) for j in range(n)]
        return -sum(terms[1:], terms[0])
    raise ValueError(loss)


def reference(case):
    layers = case["network"]["layers"]
    W = [[[V(w) for w in row] for row in L["weights"]] for L in layers]
    b = [[V(x) for x in L.get("biases", [0.0] * len(L["weights"]))] for L in layers]
    inputs = case["batch"]["inputs"]
    out_units = len(layers[-1]["weights"])
    if "labels" in case["batch"]:
        targets = [[1.0 if j == lab else 0.0 for j in range(out_units)] for lab in case["batch"]["labels"]]
    else:
        targets = case["batch"]["targets"]
    reduction = case.get("options", {}).get("reduction", "mean")
    B = len(inputs)
    zs_all, total = [], None
    for x, y in zip(inputs, targets):
        a = [V(v) for v in x]
        zs = []
        for l, L in enumerate(layers):
            z = [sum((W[l][j][k] * a[k] for k in range(1, len(a))), W[l][j][0] * a[0]) + b[l][j] for j in range(len(W[l]))]
            zs.append(z)
            a = act(L.get("activation", "identity"), L.get("alpha", 0.01 if L.get("activation") == "leaky_relu" else 1.0), z)
        c = sample_loss(case["loss"], layers[-1].get("activation", "identity"), zs[-1], a, y)
        zs_all.append(zs)
        total = c if total is None else total + c
    cost = total / B if reduction == "mean" else total
    cost.backward()
    return {
        "loss": cost.v,
        "layers": [
            {
                "layer": l + 1,
                "delta": [[z.g for z in zs_all[x][l]] for x in range(B)],
                "weightGradient": [[w.g for w in row] for row in W[l]],
                "biasGradient": [x.g for x in b[l]],
            }
            for l in range(len(layers))
        ],
    }


def make_cases():
    rng = random.Random(20261129)
    r = lambda s=1.0: round(rng.uniform(-s, s), 6)
    hidden = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "silu"]
    pairs = [("quadratic", o) for o in hidden + ["softmax"]] + [("mse", o) for o in hidden + ["softmax"]]
    pairs += [("cross_entropy", "softmax"), ("cross_entropy", "identity"), ("binary_cross_entropy", "sigmoid"),
              ("binary_cross_entropy", "identity")]
    cases = []
    for i, (loss, out) in enumerate(pairs):
        h = hidden[i % len(hidden)]
        widths = [rng.randint(2, 4), rng.randint(2, 5), rng.randint(2, 4), rng.randint(2, 3)]
        B = rng.randint(1, 4)
        layers = []
        for l in range(1, len(widths)):
            L = {"weights": [[r(0.9) for _ in range(widths[l - 1])] for _ in range(widths[l])],
                 "biases": [r(0.3) for _ in range(widths[l])],
                 "activation": out if l == len(widths) - 1 else h}
            if L["activation"] in ("leaky_relu", "elu") and rng.random() < 0.5:
                L["alpha"] = round(rng.uniform(0.05, 1.5), 3)
            layers.append(L)
        inputs = [[r() for _ in range(widths[0])] for _ in range(B)]
        n = widths[-1]
        batch = {"inputs": inputs}
        if loss == "cross_entropy" and i % 2 == 0:
            batch["labels"] = [rng.randrange(n) for _ in range(B)]
        elif loss == "cross_entropy":
            rows = [[rng.uniform(0.05, 1) for _ in range(n)] for _ in range(B)]
            batch["targets"] = [[round(v / sum(row), 6) for v in row] for row in rows]
        elif loss == "binary_cross_entropy":
            batch["targets"] = [[round(rng.uniform(0, 1), 6) for _ in range(n)] for _ in range(B)]
        else:
            batch["targets"] = [[r() for _ in range(n)] for _ in range(B)]
        case = {"network": {"layers": layers}, "batch": batch, "loss": loss,
                "options": {"reduction": "sum" if i % 3 == 0 else "mean"}}
        cases.append({"name": f"{i:02d}-{h}-{loss}-{out}", "request": case, "expected": reference(case)})
    return cases


if __name__ == "__main__":
    print(json.dumps({"generator": "make_fixtures.py (scalar reverse-mode autodiff)", "cases": make_cases()}, indent=1))
