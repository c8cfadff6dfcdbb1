#!/usr/bin/env python3
"""Load test for certificate swaps (loopback only, bounded): keeps N HTTPS connections busy while certificates
are imported and activated through the admin API, and checks that every new handshake after a swap sees the new
certificate and that no request fails. Prints one JSON object. Standard library only."""
import argparse, base64, http.client, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swap_load_harness import SwapLoad

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

load = SwapLoad(args.host, args.port, args.cafile, "/api/v1/health", args.connections, args.max_seconds)


def admin(method, path, body=None):
    connection = http.client.HTTPSConnection(args.host, args.port, context=load.context, timeout=30)
    headers = {"Authorization": "Bearer " + args.token, "Content-Type": "application/json"}
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {payload}")
    return payload


def import_and_activate(path):
    """Timed from the activation's answer."""
    content = base64.b64encode(open(path, "rb").read()).decode()
    imported = admin("POST", "/api/v1/admin/certificates", {"files": [{"name": path, "content": content}], "password": args.password})
    admin("POST", f"/api/v1/admin/certificates/{imported['certificate']['id']}/activate?confirm=true")
    return imported["certificate"]["sha256"]


for path in args.pfx:
    if not load.observe(lambda: import_and_activate(path)):
        break
load.finish()
