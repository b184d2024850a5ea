"""The HTTP client behind the CLI: one place that talks to /api/v1 and turns errors into reasons."""

import socket
import time
import urllib.parse

import click
import requests

from service.errors import VmfabricError


LOGIN_HINT = " (log in with `vmfabric login`, or give --token / $VMFABRIC_TOKEN)"


class Client:
    def __init__(self, url, token=None, timeout=900):
        self.url = checked_url(url)
        self.timeout = timeout
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, body=None, params=None):
        """The JSON answer of METHOD /api/v1PATH ({} for 204); VmfabricError with the reason."""
        return self._send(method, path, json=body, params=params)

    def upload(self, path, params, stream):
        """POST STREAM (a file-like object with a length) to /api/v1PATH as the raw body."""
        return self._send("POST", path, data=stream, params=params,
                          headers={"Content-Type": "application/octet-stream"})

    def _send(self, method, path, **kwargs):
        try:
            response = self.session.request(method, f"{self.url}/api/v1{path}",
                                            timeout=self.timeout, **kwargs)
        except requests.ConnectionError as exc:
            if _unresolved(exc):
                raise VmfabricError(f"cannot resolve {urllib.parse.urlsplit(self.url).hostname!r}"
                                    f" (the host in --url or VMFABRIC_URL: {self.url})") from None
            raise VmfabricError(f"the server at {self.url} is not answering (is it running? "
                                "set --url or VMFABRIC_URL)") from None
        except requests.RequestException as exc:
            raise VmfabricError(f"cannot reach {self.url}: {exc.__class__.__name__}") from None
        except requests.Timeout:
            raise VmfabricError(f"the server at {self.url} did not answer in {self.timeout} s") from None
        if response.status_code == 204:
            return {}
        try:
            data = response.json()
        except ValueError:
            raise VmfabricError(f"{method} {path}: HTTP {response.status_code}, not JSON") from None
        if response.status_code >= 400:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            message = error.get("message") or f"HTTP {response.status_code}"
            if response.status_code == 401:
                message += LOGIN_HINT
            raise VmfabricError(message)
        return data

    def wait_job(self, job, poll=0.5, on_progress=None):
        """JOB once it has ended; VmfabricError with its error if it failed. ON_PROGRESS(job)
        is called after every look while it runs."""
        while job["state"] in ("queued", "running"):
            time.sleep(poll)
            job = self.call("GET", f"/jobs/{job['id']}")["job"]
            if on_progress is not None:
                on_progress(job)
        if job["state"] == "failed":
            raise VmfabricError(f"{job['kind']} job {job['id']} failed: {job['error']}")
        return job


pass_client = click.make_pass_decorator(Client)


def checked_url(url):
    """URL without its trailing slash; VmfabricError naming what is wrong with it (no scheme,
    another scheme, no host) instead of the HTTP library's traceback."""
    text = (url or "").strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        guess = text if "://" in text else f"http://{text}"
        raise VmfabricError(f"--url / VMFABRIC_URL: {text!r} is not an http(s) URL (such as "
                            f"{guess!r})")
    try:
        parts.port
    except ValueError:
        raise VmfabricError(f"--url / VMFABRIC_URL: {text!r} has a bad port") from None
    return text.rstrip("/")


def _unresolved(exc):
    """True when EXC (a connection error) comes from a name that did not resolve."""
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror) or "NameResolutionError" in type(cause).__name__:
            return True
        cause = cause.__cause__ or cause.__context__ or (cause.args[0] if cause.args and
                                                          isinstance(cause.args[0], BaseException)
                                                          else None)
    return "Name or service not known" in str(exc) or "Failed to resolve" in str(exc)
