"""The release server on an ephemeral loopback port, for the Python test suites (the page in a
browser, the Python client, the Open Inference Protocol): started with the given flags, waited for
on /livez, stopped by SIGTERM. The binary is $BACKPROP_BIN."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


class LiveServer:
    def __init__(self, *args):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self.process = subprocess.Popen(
            [os.environ["BACKPROP_BIN"], "--port", str(self.port), "--log-level", "error", *args])
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/livez", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server did not start")

    def post(self, path, body, token=None):
        """(status, parsed JSON) of a POST of `body` (a JSON value, or bytes sent as they are)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
