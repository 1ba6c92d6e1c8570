"""What every client check script shares: its report lines and the served JSON.

A check prints "ok - NAME" or "not ok - NAME: why" (run.sh counts them), and a
script exits 1 when any of its checks failed.
"""

import json
import urllib.request


class Report:
    """The lines of one check script, and how many of them failed."""

    def __init__(self):
        self.failures = 0

    def line(self, name, why=None):
        """Prints NAME's line: `why` None for a pass, else why it failed."""
        if why:
            self.failures += 1
            print(f"not ok - {name}: {why}", flush=True)
        else:
            print(f"ok - {name}", flush=True)

    def check(self, name, body):
        """Runs `body` (None when it passes, else why not); an exception fails it."""
        try:
            why = body()
        except Exception as e:  # a failed tool run, an invalid layer, an unexpected answer
            why = f"{type(e).__name__}: {e}"
        self.line(name, why)

    def exit_code(self):
        return 1 if self.failures else 0


def get_json(base, path, accept="application/geo+json"):
    """GET base + path, read as JSON (20 s timeout)."""
    req = urllib.request.Request(base + path, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=20) as r:
        return json.load(r)
