"""A real Prometheus server (Debian's package) of a test's own, on loopback, scraping a
vmfabric server's /metrics with an admin's token, and asked PromQL over its HTTP API."""

import os
import shutil
import subprocess
import time

import requests
import yaml

from tests.helpers.servers import free_port

BINARY = "/usr/bin/prometheus"


class Prometheus:
    def __init__(self, directory, target_url, token, every=2):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        os.makedirs(directory, exist_ok=True)
        token_file = os.path.join(directory, "token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            fh.write(token)
        self.config = os.path.join(directory, "prometheus.yml")
        with open(self.config, "w") as fh:
            yaml.safe_dump({"global": {"scrape_interval": f"{every}s",
                                       "evaluation_interval": f"{every}s"},
                            "scrape_configs": [{
                                "job_name": "vmfabric",
                                "static_configs": [{"targets": [target_url.split("//")[1]]}],
                                "authorization": {"credentials_file": token_file}}]}, fh)
        self.proc = None

    def start(self, timeout=60):
        log = open(os.path.join(self.directory, "prometheus.log"), "a")
        self.proc = subprocess.Popen(
            [BINARY, f"--config.file={self.config}",
             f"--storage.tsdb.path={os.path.join(self.directory, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/-/ready", timeout=2).status_code == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"prometheus did not start (see {self.directory}/prometheus.log)")

    def query(self, expr):
        """The instant vector of EXPR: [(labels, value)]."""
        answer = requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        answer.raise_for_status()
        return [(r["metric"], float(r["value"][1])) for r in answer.json()["data"]["result"]]

    def targets_up(self):
        answer = requests.get(f"{self.url}/api/v1/targets", timeout=10).json()
        return [t["health"] for t in answer["data"]["activeTargets"]]

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(os.path.join(self.directory, "data"), ignore_errors=True)
