"""The load and the observation shared by scripts/swap-load.py (Rollover) and scripts/bench.d/nginx-swap.py (its
reference): N HTTPS connections kept busy on one path, and after each certificate swap, how soon new handshakes see
the new certificate and whether every later one does. Loopback only. Standard library only."""
import hashlib, http.client, json, socket, ssl, threading, time


class SwapLoad:
    def __init__(self, host, port, cafile, path, connections, max_seconds):
        assert host in ("127.0.0.1", "localhost", "::1"), "loopback only"
        self.host, self.port, self.path = host, port, path
        self.context = ssl.create_default_context(cafile=cafile)
        self.connections, self.max_seconds = connections, max_seconds
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "failures": 0, "errors": []}
        self.swaps = []
        self.started = time.monotonic()
        self.workers = [threading.Thread(target=self._load_worker, daemon=True) for _ in range(connections)]
        for worker in self.workers:
            worker.start()
        time.sleep(1)

    def _connection(self):
        return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=10)

    def _load_worker(self):
        connection = self._connection()
        while not self.stop.is_set():
            try:
                connection.request("GET", self.path)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except Exception as error:  # a failed request is what this load exists to catch: no silent retry
                ok = False
                with self.lock:
                    self.counts["errors"].append(repr(error)[:200])
                connection.close()
                connection = self._connection()
            with self.lock:
                self.counts["requests"] += 1
                self.counts["failures"] += 0 if ok else 1
        connection.close()

    def served_fingerprint(self):
        with socket.create_connection((self.host, self.port), timeout=10) as raw:
            with self.context.wrap_socket(raw, server_hostname="localhost") as tls:
                return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()

    def observe(self, swap):
        """Runs `swap()` (which returns the new leaf's SHA-256) and times new handshakes from its return."""
        expected = swap()
        swapped = time.monotonic()
        seen_at, handshakes, all_new_after = None, 0, True
        while time.monotonic() - swapped < 5:
            fingerprint = self.served_fingerprint()
            handshakes += 1
            if fingerprint == expected and seen_at is None:
                seen_at = time.monotonic()
            elif seen_at is not None and fingerprint != expected:
                all_new_after = False
            if seen_at is not None and handshakes >= 10:
                break
        self.swaps.append({"sha256": expected, "visibleAfterMs": None if seen_at is None else round((seen_at - swapped) * 1000, 2),
                           "handshakesChecked": handshakes, "everyLaterHandshakeNew": all_new_after})
        time.sleep(1)
        return time.monotonic() - self.started <= self.max_seconds

    def finish(self):
        """Stops the load and prints the result as one JSON object."""
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=15)
        print(json.dumps({"connections": self.connections, "requests": self.counts["requests"], "failures": self.counts["failures"],
                          "errors": self.counts["errors"][:5], "swaps": self.swaps, "seconds": round(time.monotonic() - self.started, 2)}))
