#!/usr/bin/env python3
"""At the connection cap: a kept-open connection that was served goes on being served, and a new connection over
the cap is closed at once. Prints one JSON object; every wait is bounded."""
import argparse, http.client, json, socket, ssl, time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--cafile", required=True)
parser.add_argument("--cap", type=int, required=True)
args = parser.parse_args()

context = ssl.create_default_context(cafile=args.cafile)
kept = http.client.HTTPSConnection("localhost", args.port, context=context, timeout=10)
kept.request("GET", "/api/v1/health")
response = kept.getresponse()
response.read()
first = response.status
fillers = [socket.create_connection(("127.0.0.1", args.port), timeout=10) for _ in range(args.cap - 1)]
time.sleep(0.5)

over = socket.create_connection(("127.0.0.1", args.port), timeout=10)
started = time.monotonic()
try:
    over.settimeout(5)
    data = over.recv(1)
    over_closed = data == b""
except (ConnectionResetError, BrokenPipeError):
    over_closed = True
except socket.timeout:
    over_closed = False
over_closed_seconds = round(time.monotonic() - started, 2)

kept.request("GET", "/api/v1/health")
response = kept.getresponse()
response.read()
again = response.status
for s in fillers + [over]:
    s.close()
kept.close()
print(json.dumps({"firstStatus": first, "overCapClosed": over_closed, "overCapClosedSeconds": over_closed_seconds, "keptStatus": again}))
