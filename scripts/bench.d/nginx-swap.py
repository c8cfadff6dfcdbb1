#!/usr/bin/env python3
"""The reference for scripts/swap-load.py (loopback only, bounded): the same load against nginx, whose way to change
a certificate is to replace the files and reload (SIGHUP to the master). Keeps N HTTPS connections busy fetching the
static file while each new certificate is swapped in, and measures, like swap-load.py, failed requests and how soon
new handshakes see the new certificate (counted from the moment the reload signal is sent). Prints one JSON object.
Standard library only."""
import argparse, hashlib, http.client, json, os, shutil, signal, socket, ssl, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--path", default="/sync.json")
parser.add_argument("--cafile", required=True)
parser.add_argument("--master-pid", type=int, required=True, help="nginx's master process")
parser.add_argument("--cert-file", required=True, help="the ssl_certificate file nginx's configuration names")
parser.add_argument("--key-file", required=True, help="the ssl_certificate_key file nginx's configuration names")
parser.add_argument("--swap", action="append", required=True, help="CHAIN.pem:KEY.pem to swap in, in order")
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
            connection.request("GET", args.path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except Exception as error:  # counted exactly as swap-load.py counts them: no silent retry
            ok = False
            with lock:
                counts["errors"].append(repr(error)[:200])
            connection.close()
            connection = http.client.HTTPSConnection(args.host, args.port, context=context, timeout=10)
        with lock:
            counts["requests"] += 1
            counts["failures"] += 0 if ok else 1
    connection.close()


def served_fingerprint():
    with socket.create_connection((args.host, args.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def leaf_fingerprint(chain_path):
    pem = open(chain_path).read()
    first = pem[pem.index("-----BEGIN CERTIFICATE-----"):pem.index("-----END CERTIFICATE-----") + 25]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


def replace(source, target):
    temporary = target + ".new"
    shutil.copyfile(source, temporary)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)


started = time.monotonic()
workers = [threading.Thread(target=load_worker, daemon=True) for _ in range(args.connections)]
for worker in workers:
    worker.start()
time.sleep(1)
swaps = []
for pair in args.swap:
    chain, key = pair.split(":")
    expected = leaf_fingerprint(chain)
    replace(key, args.key_file)
    replace(chain, args.cert_file)
    os.kill(args.master_pid, signal.SIGHUP)
    reloaded = time.monotonic()
    seen_at, handshakes, all_new_after = None, 0, True
    while time.monotonic() - reloaded < 5:
        fingerprint = served_fingerprint()
        handshakes += 1
        if fingerprint == expected and seen_at is None:
            seen_at = time.monotonic()
        elif seen_at is not None and fingerprint != expected:
            all_new_after = False
        if seen_at is not None and handshakes >= 10:
            break
    swaps.append({"sha256": expected, "visibleAfterMs": None if seen_at is None else round((seen_at - reloaded) * 1000, 2),
                  "handshakesChecked": handshakes, "everyLaterHandshakeNew": all_new_after})
    time.sleep(1)
    if time.monotonic() - started > args.max_seconds:
        break
stop.set()
for worker in workers:
    worker.join(timeout=15)
print(json.dumps({"connections": args.connections, "requests": counts["requests"], "failures": counts["failures"],
                  "errors": counts["errors"][:5], "swaps": swaps, "seconds": round(time.monotonic() - started, 2)}))
