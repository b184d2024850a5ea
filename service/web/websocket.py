"""Websocket routes (the dashboard's console), on simple-websocket.

The request is first an ordinary one: the access rules and the view's own checks run, and a
refusal is an ordinary answer (401, 403, 404, 409). Only then does ``serve`` take the
connection over. What gunicorn (or Werkzeug's server in development) should do after the
session is what Flask-Sock does, without its decorator, which upgrades before the view runs.
"""

import simple_websocket
from flask import Response, request

MAX_MESSAGE = 64 * 1024  # what one typed message may be (a paste)
PING_INTERVAL = 25  # keeps the front (nginx) and the browser from closing an idle console


def serve(session):
    """Take this request's connection over as a websocket and run SESSION(ws) on it; the
    answer the view returns once the session has ended."""
    ws = simple_websocket.Server(request.environ, ping_interval=PING_INTERVAL,
                                 max_message_size=MAX_MESSAGE)
    try:
        session(ws)
    except simple_websocket.ConnectionClosed:
        pass
    finally:
        try:
            ws.close()
        except Exception:  # noqa: BLE001 (the peer is gone already: nothing left to close)
            pass
    return _Ended(ws.mode)


class _Ended(Response):
    """The answer of a websocket request: nothing more is written on the connection."""

    def __init__(self, mode):
        super().__init__()
        self.mode = mode

    def __call__(self, environ, start_response):
        if self.mode == "gunicorn":
            raise StopIteration()  # gunicorn's workers take this as "close, write nothing"
        if self.mode == "werkzeug":
            return super().__call__(environ, start_response)
        return []
