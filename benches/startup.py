#!/usr/bin/env python3
"""Time dezone's start-up: from spawning `dezone serve` until GET /healthz answers 200.

    python3 benches/startup.py [-n 10] [--port 18082] [--binary target/release/dezone]

Build first (`cargo build --release --bin dezone`). Each of the N runs spawns the server on
127.0.0.1:PORT, tries a raw TCP connect about every millisecond until one succeeds, then sends
GET /healthz on that connection (and again on a new one while the answer is not 200), stops
the clock at the first 200, and kills the server. Prints min / median / max in ms against the
target (<= 150 ms). Standard library only; exit 1 when the median misses the target with
--assert.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150.0
TIMEOUT_S = 10.0


def healthz_status(sock: socket.socket, host: str) -> int:
    """Send GET /healthz on a connected socket; return the HTTP status (0 if none)."""
    sock.sendall(
        f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    )
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return 0


def one_start(binary: str, port: int) -> float:
    """Spawn the server, wait for a 200 from /healthz, kill it; return ms to the 200."""
    addr = ("127.0.0.1", port)
    host = f"127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "serve", "--addr", host],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace")
                sys.exit(f"startup.py: dezone exited with {proc.returncode}:\n{err}")
            if time.perf_counter() - start > TIMEOUT_S:
                sys.exit(f"startup.py: no 200 from /healthz within {TIMEOUT_S:.0f} s")
            try:
                with socket.create_connection(addr, timeout=2.0) as sock:
                    if healthz_status(sock, host) == 200:
                        return (time.perf_counter() - start) * 1e3
            except OSError:
                pass
            time.sleep(0.001)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        log.close()


def port_free(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10, help="number of starts (10)")
    parser.add_argument("--port", type=int, default=18082)
    parser.add_argument("--binary", default=str(ROOT / "target/release/dezone"))
    parser.add_argument(
        "--assert", dest="check", action="store_true", help="exit 1 on a FAIL"
    )
    args = parser.parse_args()

    if not os.access(args.binary, os.X_OK):
        sys.exit(
            f"startup.py: no {args.binary}; run cargo build --release --bin dezone"
        )
    if not port_free(args.port):
        sys.exit(f"startup.py: something already answers on 127.0.0.1:{args.port}")

    print(f"+ {args.binary} serve --addr 127.0.0.1:{args.port}  (x{args.n})")
    times = []
    for i in range(args.n):
        ms = one_start(args.binary, args.port)
        times.append(ms)
        print(f"  start {i + 1:2d}: {ms:7.1f} ms")
        # Wait until the port is released before the next start.
        deadline = time.perf_counter() + 5
        while not port_free(args.port) and time.perf_counter() < deadline:
            time.sleep(0.01)

    median = statistics.median(times)
    verdict = "PASS" if median <= TARGET_MS else "FAIL"
    print(
        f"spawn to 200 from /healthz over {args.n} starts: min {min(times):.1f} ms, "
        f"median {median:.1f} ms, max {max(times):.1f} ms"
    )
    print(f"  {verdict}  median <= {TARGET_MS:.0f} ms")
    if args.check and verdict == "FAIL":
        sys.exit(1)


if __name__ == "__main__":
    main()
