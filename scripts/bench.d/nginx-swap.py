#!/usr/bin/env python3
"""The reference for scripts/swap-load.py (loopback only, bounded): the same load against nginx, whose way to change
a certificate is to replace the files and reload (SIGHUP to the master). Keeps N HTTPS connections busy fetching the
static file while each new certificate is swapped in, and measures, like swap-load.py, failed requests and how soon
new handshakes see the new certificate (counted from the moment the reload signal is sent). Prints one JSON object.
Standard library only."""
import argparse, hashlib, os, shutil, signal, ssl, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from swap_load_harness import SwapLoad

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

load = SwapLoad(args.host, args.port, args.cafile, args.path, args.connections, args.max_seconds)


def leaf_fingerprint(chain_path):
    pem = open(chain_path).read()
    first = pem[pem.index("-----BEGIN CERTIFICATE-----"):pem.index("-----END CERTIFICATE-----") + 25]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


def replace(source, target):
    temporary = target + ".new"
    shutil.copyfile(source, temporary)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)


def replace_and_reload(chain, key):
    """Timed from the reload signal."""
    expected = leaf_fingerprint(chain)
    replace(key, args.key_file)
    replace(chain, args.cert_file)
    os.kill(args.master_pid, signal.SIGHUP)
    return expected


for pair in args.swap:
    chain, key = pair.split(":")
    if not load.observe(lambda: replace_and_reload(chain, key)):
        break
load.finish()
