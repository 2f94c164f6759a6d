#!/usr/bin/env python3
"""Two backprop-server replicas behind nginx on loopback, checked three ways:

(a) requests through the balancer reach both replicas (read from each replica's /metrics);
(b) one batch split into shards, each sent through the balancer with reduction "sum", adds up to
    the whole batch's gradients on one replica (to 1e-9 relative), and /B gives the mean;
(c) killing one replica mid-run loses no request: nginx retries them on the other.

Usage: replicas.py BINARY   (needs nginx on PATH; loopback only; stops everything it started)
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"port {port} never became ready")


def post(port, path, body, timeout=30):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def requests_served(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    total = 0
    for line in text.splitlines():
        if line.startswith('backprop_http_requests_total{route="/v1/gradients"'):
            total += float(line.rsplit(" ", 1)[1])
    return total


def network_and_batch(rng, batch):
    widths = [6, 8, 5, 3]
    layers = []
    for l in range(1, len(widths)):
        layers.append({"weights": [[rng.uniform(-0.8, 0.8) for _ in range(widths[l - 1])] for _ in range(widths[l])],
                       "biases": [rng.uniform(-0.3, 0.3) for _ in range(widths[l])],
                       "activation": "softmax" if l == len(widths) - 1 else "tanh"})
    inputs = [[rng.uniform(-1, 1) for _ in range(widths[0])] for _ in range(batch)]
    labels = [rng.randrange(widths[-1]) for _ in range(batch)]
    return {"layers": layers}, inputs, labels


def main():
    binary = sys.argv[1]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tempfile.mkdtemp(prefix="backprop-replicas-")
    os.chmod(work, 0o777)  # nginx's workers drop to another user (www-data) when started as root
    ports = [free_port(), free_port()]
    lb = free_port()
    procs = [subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(p), "--workers", "1", "--log-level", "error"])
             for p in ports]
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  upstream backprop {{
    server 127.0.0.1:{ports[0]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:{ports[1]} max_fails=1 fail_timeout=5s;
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{lb};
    client_max_body_size 64m;
    client_body_buffer_size 1m;
    location / {{
      proxy_pass http://backprop;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Gradients are pure functions of the body, so retrying a POST on another replica is safe.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 1s;
    }}
  }}
}}
""")
    ngx = subprocess.Popen([nginx, "-c", conf, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    failures = []
    try:
        for p in ports:
            wait_ready(p)
        wait_ready(lb)
        rng = random.Random(7)

        # (a) spread
        network, inputs, labels = network_and_batch(rng, 4)
        for _ in range(40):
            status, _ = post(lb, "/v1/gradients", {"network": network, "batch": {"inputs": inputs, "labels": labels},
                                                    "loss": "cross_entropy"})
            assert status == 200
        served = [requests_served(p) for p in ports]
        print(f"(a) 40 requests through nginx: replica A served {served[0]:.0f}, replica B {served[1]:.0f}")
        if min(served) == 0 or sum(served) < 40:
            failures.append("requests did not reach both replicas")

        # (b) sharding with reduction sum
        B = 12
        network, inputs, labels = network_and_batch(rng, B)
        whole = post(ports[0], "/v1/gradients", {"network": network, "batch": {"inputs": inputs, "labels": labels},
                                                  "loss": "cross_entropy", "options": {"reduction": "sum"}})[1]
        mean = post(ports[0], "/v1/gradients", {"network": network, "batch": {"inputs": inputs, "labels": labels},
                                                 "loss": "cross_entropy"})[1]
        shards = [(0, 5), (5, 9), (9, 12)]
        total_w, total_b, total_loss = None, None, 0.0
        for a, b in shards:
            part = post(lb, "/v1/gradients", {"network": network, "batch": {"inputs": inputs[a:b], "labels": labels[a:b]},
                                              "loss": "cross_entropy", "options": {"reduction": "sum"}})[1]
            ws = [L["weightGradient"] for L in part["layers"]]
            bs = [L["biasGradient"] for L in part["layers"]]
            total_loss += part["loss"]
            if total_w is None:
                total_w, total_b = ws, bs
            else:
                total_w = [[[x + y for x, y in zip(r1, r2)] for r1, r2 in zip(m1, m2)] for m1, m2 in zip(total_w, ws)]
                total_b = [[x + y for x, y in zip(v1, v2)] for v1, v2 in zip(total_b, bs)]
        worst = 0.0
        for l, L in enumerate(whole["layers"]):
            for r1, r2 in zip(L["weightGradient"], total_w[l]):
                for x, y in zip(r1, r2):
                    worst = max(worst, abs(x - y) / max(abs(x), 1e-12))
            for x, y in zip(L["biasGradient"], total_b[l]):
                worst = max(worst, abs(x - y) / max(abs(x), 1e-12))
        mean_err = max(abs(x / B - y) / max(abs(y), 1e-12)
                       for L, M in zip(total_w, mean["layers"]) for r1, r2 in zip(L, M["weightGradient"]) for x, y in zip(r1, r2))
        loss_err = abs(total_loss - whole["loss"]) / abs(whole["loss"])
        print(f"(b) 3 shards summed vs whole batch: max rel error {worst:.2e} (gradients), {loss_err:.2e} (loss); "
              f"sum/B vs mean: {mean_err:.2e}")
        if worst > 1e-9 or loss_err > 1e-9 or mean_err > 1e-9:
            failures.append("sharded sum differs from the whole batch")

        # (c) kill one replica mid-run
        network, inputs, labels = network_and_batch(rng, 64)
        body = {"network": network, "batch": {"inputs": inputs, "labels": labels}, "loss": "cross_entropy"}
        results = {"ok": 0, "failed": 0}
        lock = threading.Lock()

        def client(n):
            for _ in range(n):
                try:
                    status, answer = post(lb, "/v1/gradients", body, timeout=10)
                    good = status == 200 and len(answer["layers"]) == 3
                except (urllib.error.URLError, OSError, ValueError) as e:
                    good = False
                    with lock:
                        results.setdefault("errors", set()).add(repr(e)[:200])
                with lock:
                    results["ok" if good else "failed"] += 1

        threads = [threading.Thread(target=client, args=(100,)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        procs[1].send_signal(signal.SIGKILL)
        procs[1].wait()
        for t in threads:
            t.join()
        print(f"(c) replica B killed mid-run: {results['ok']} answered 200, {results['failed']} lost")
        for e in sorted(results.get("errors", ())):
            print("    error:", e)
        if results["failed"] or results["ok"] != 400:
            failures.append("requests were lost when a replica died")
    finally:
        if failures and os.path.exists(os.path.join(work, "error.log")):
            print(open(os.path.join(work, "error.log")).read()[-1500:])
        ngx.terminate()
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs + [ngx]:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
    checks = 3
    print(f"replicas: {checks - len(failures)} passed, {len(failures)} failed")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
