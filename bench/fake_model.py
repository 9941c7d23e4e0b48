"""The fake OpenAI-compatible model as its own process, with GPT-4o-like latency, for benchmarks.

    python -m bench.fake_model --port 0 --median 5.6 --p90 8.9

Latency is lognormal with the given median and 90th percentile (GPT-4o's published figures by
default), drawn deterministically from the image's SHA-256: the same image always takes the same
time, so the benchmark can subtract the model's own time from each scan (`GET /_stats`).
Prints `port=<n>` on stdout once it listens.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import signal
import statistics
import threading
from collections.abc import Callable

from tests.api.analyser.fake_openai import FakeOpenAI

Z90 = statistics.NormalDist().inv_cdf(0.9)


def lognormal_latency(median: float, p90: float) -> Callable[[bytes], float]:
    """image bytes -> seconds, lognormal(mu, sigma) with the given median and p90."""
    mu = math.log(median)
    sigma = math.log(p90 / median) / Z90 if p90 > median else 0.0
    normal = statistics.NormalDist()

    def latency(image: bytes) -> float:
        digest = int.from_bytes(hashlib.sha256(image).digest()[:8], "big")
        u = (digest + 0.5) / 2**64  # uniform in (0, 1)
        return math.exp(mu + sigma * normal.inv_cdf(u))

    return latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--median", type=float, default=5.6)
    parser.add_argument("--p90", type=float, default=8.9)
    args = parser.parse_args()
    fake = FakeOpenAI()
    fake.latency = lognormal_latency(args.median, args.p90)
    fake.start()
    print(f"port={fake._server.server_address[1]}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    fake.stop()


if __name__ == "__main__":
    main()
