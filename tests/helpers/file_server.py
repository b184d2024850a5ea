"""A loopback HTTP server of files for image imports: serves a directory, and answers
/redirect/N?to=URL with a redirect (302) to URL, N times over."""

import contextlib
import functools
import http.server
import threading
import urllib.parse


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = urllib.parse.urlsplit(self.path)
        if parts.path.startswith("/redirect/"):
            hops = int(parts.path.rsplit("/", 1)[1])
            target = urllib.parse.parse_qs(parts.query)["to"][0]
            if hops > 1:
                target = (f"/redirect/{hops - 1}?"
                          + urllib.parse.urlencode({"to": target}))
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *_args):
        pass


@contextlib.contextmanager
def serving(directory):
    """The base URL (http://127.0.0.1:PORT) of a server of DIRECTORY's files, while open."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
