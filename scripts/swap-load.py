#!/usr/bin/env python3
"""Load test for certificate swaps (loopback only, bounded): keeps N HTTPS connections busy while certificates
are imported and activated through the admin API, and checks that every new handshake after a swap sees the new
certificate and that no request fails. Prints one JSON object. Standard library only."""
import argparse, base64, hashlib, http.client, json, socket, ssl, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--cafile", required=True, help="PEM bundle trusting the old and the new certificates")
parser.add_argument("--token", required=True)
parser.add_argument("--pfx", action="append", required=True, help="a PKCS#12 to import and activate, in order")
parser.add_argument("--password", required=True)
parser.add_argument("--connections", type=int, default=50)
parser.add_argument("--max-seconds", type=float, default=90)
args = parser.parse_args()
assert args.host in ("127.0.0.1", "localhost", "::1"), "loopback only"

context = ssl.create_default_context(cafile=args.cafile)
stop = threading.Event()
lock = threading.Lock()
counts = {"requests": 0, "failures": 0, "errors": []}

def load_worker():
    connection = http.client.HTTPSConnection(args.host, args.port, context=context, timeout=10)
    while not stop.is_set():
        try:
            connection.request("GET", "/api/v1/health")
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except Exception as error:  # a failed request is what this test exists to catch
            ok = False
            with lock:
                counts["errors"].append(repr(error)[:200])
            connection.close()
            connection = http.client.HTTPSConnection(args.host, args.port, context=context, timeout=10)
        with lock:
            counts["requests"] += 1
            counts["failures"] += 0 if ok else 1
    connection.close()

def admin(method, path, body=None):
    connection = http.client.HTTPSConnection(args.host, args.port, context=context, timeout=30)
    headers = {"Authorization": "Bearer " + args.token, "Content-Type": "application/json"}
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {payload}")
    return payload

def served_fingerprint():
    with socket.create_connection((args.host, args.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()

started = time.monotonic()
workers = [threading.Thread(target=load_worker, daemon=True) for _ in range(args.connections)]
for worker in workers:
    worker.start()
time.sleep(1)
swaps = []
for path in args.pfx:
    content = base64.b64encode(open(path, "rb").read()).decode()
    imported = admin("POST", "/api/v1/admin/certificates", {"files": [{"name": path, "content": content}], "password": args.password})
    expected = imported["certificate"]["sha256"]
    admin("POST", f"/api/v1/admin/certificates/{imported['certificate']['id']}/activate?confirm=true")
    activated = time.monotonic()
    seen_at, handshakes, all_new_after = None, 0, True
    while time.monotonic() - activated < 5:
        fingerprint = served_fingerprint()
        handshakes += 1
        if fingerprint == expected and seen_at is None:
            seen_at = time.monotonic()
        elif seen_at is not None and fingerprint != expected:
            all_new_after = False
        if seen_at is not None and handshakes >= 10:
            break
    swaps.append({"sha256": expected, "visibleAfterMs": None if seen_at is None else round((seen_at - activated) * 1000, 2),
                  "handshakesChecked": handshakes, "everyLaterHandshakeNew": all_new_after})
    time.sleep(1)
    if time.monotonic() - started > args.max_seconds:
        break
stop.set()
for worker in workers:
    worker.join(timeout=15)
print(json.dumps({"connections": args.connections, "requests": counts["requests"], "failures": counts["failures"],
                  "errors": counts["errors"][:5], "swaps": swaps, "seconds": round(time.monotonic() - started, 2)}))
