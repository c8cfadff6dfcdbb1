#!/usr/bin/env python3
"""Holds many idle and half-open connections against a Rollover server and reports, as one JSON object, whether
health still answered while they were held and how soon the server closed each kind.

Kinds (round robin): 'silent' (TCP only, nothing sent), 'half-hello' (the first bytes of a TLS ClientHello),
'handshaken' (a finished TLS handshake and no request), 'half-header' (a handshake and half a request head).
Every wait is bounded; the script never runs longer than about `--close-within` + 60 s.
"""
import argparse, json, resource, select, socket, ssl, subprocess, time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--cafile", required=True)
parser.add_argument("--count", type=int, default=2000)
parser.add_argument("--close-within", type=float, default=30.0, help="seconds to wait for the server to close them all")
args = parser.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.count + 512)), hard))

context = ssl.create_default_context(cafile=args.cafile)
kinds = ["silent", "half-hello", "handshaken", "half-header"]
held = []  # (kind, socket)
# On a slow machine the server may already close an early connection (its idle timeout) before the last one is
# open; such a connection is counted, not an error.
closed_while_opening = 0
opened_at = time.monotonic()
for i in range(args.count):
    kind = kinds[i % len(kinds)]
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    try:
        if kind == "half-hello":
            raw.sendall(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]))
            held.append((kind, raw))
        elif kind in ("handshaken", "half-header"):
            tls = context.wrap_socket(raw, server_hostname="localhost")
            if kind == "half-header":
                tls.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            held.append((kind, tls))
        else:
            held.append((kind, raw))
    except (ssl.SSLError, OSError):
        closed_while_opening += 1
        raw.close()
opened = time.monotonic() - opened_at

# Health on a new connection while all of them are held.
started = time.monotonic()
health = subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", args.cafile, f"https://localhost:{args.port}/api/v1/health"],
                        capture_output=True, text=True)
health_seconds = time.monotonic() - started

# Then wait for the server to close every one of them.
closed_after = {kind: [] for kind in kinds}
pending = {s.fileno(): (kind, s, ) for kind, s in held}
for _, s in held:
    s.setblocking(False)
deadline = time.monotonic() + args.close_within
poller = select.poll()
for fd in pending:
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
while pending and time.monotonic() < deadline:
    for fd, _ in poller.poll(500):
        kind, s = pending[fd]
        try:
            data = s.recv(4096)
        except (ssl.SSLWantReadError, BlockingIOError):
            continue
        except (ssl.SSLError, OSError):
            data = b""
        if data:
            continue  # an alert or bytes before the close; the close follows
        closed_after[kind].append(round(time.monotonic() - started, 2))
        poller.unregister(fd)
        del pending[fd]
for _, s in held:
    try:
        s.close()
    except OSError:
        pass

print(json.dumps({
    "held": len(held), "closedWhileOpening": closed_while_opening, "openedSeconds": round(opened, 2),
    "healthStatus": health.returncode, "healthBody": health.stdout.strip(), "healthSeconds": round(health_seconds, 2),
    "stillOpen": {kind: sum(1 for k, _ in pending.values() if k == kind) for kind in kinds},
    "closedSlowest": {kind: (max(v) if v else None) for kind, v in closed_after.items()},
}))
