"""How long requests take, for /metrics: a histogram by endpoint, method and status class.

Under `vmfabric serve` every gunicorn worker is a process of its own, so each writes its
share into files of a directory the server made for itself (prometheus_client's
multiprocess mode: PROMETHEUS_MULTIPROC_DIR, set by `serve` before any worker starts) and a
scrape adds them up; in a single process (tests, a WSGI server of one's own) the histogram
is the process's own.
"""

import os

from prometheus_client import Histogram, multiprocess

DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
REQUESTS = Histogram("vmfabric_http_request_duration_seconds",
                     "Time to answer a request, by endpoint (the route's name), method and "
                     "status class", ["endpoint", "method", "status"],
                     buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                              5, 10, 30, 60))
STATUS = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


def observe(endpoint, method, status, seconds):
    REQUESTS.labels(endpoint or "unmatched", method, STATUS.get(status // 100, "other")) \
        .observe(seconds)


def register(registry):
    """Put the request histogram in REGISTRY: every worker's, summed, when they share a
    directory; this process's otherwise."""
    path = os.environ.get(DIRECTORY)
    if path and os.path.isdir(path):
        multiprocess.MultiProcessCollector(registry, path)
    else:
        registry.register(REQUESTS)
