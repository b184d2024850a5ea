"""API tokens: random, shown once, stored as a hash, with an expiry; revocable.

A token carries 256 random bits, so a plain SHA-256 of it is a safe thing to
store and to look up: checking one costs a hash and an indexed read, not a
password hash. A short in-process cache spares even that read for a token in
use; a revocation reaches every server process within CACHE_SECONDS.
"""

import hashlib
import secrets
import threading
import time

from service.errors import Unauthorized

PREFIX = "vmf_"
CACHE_SECONDS = 5.0
CACHE_SIZE = 4096


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    def __init__(self, store):
        self.store = store
        self._cache = {}
        self._lock = threading.Lock()

    def issue(self, user_id, name, ttl):
        """A new token for USER_ID valid TTL seconds: (token, id). The token is not kept."""
        token = PREFIX + secrets.token_urlsafe(32)
        token_id = self.store.users.add_token(user_id, digest(token), name[:128],
                                              time.time() + ttl)
        return token, token_id

    def user(self, token):
        """The User TOKEN belongs to; Unauthorized when it is unknown, expired or revoked."""
        if not token or not token.startswith(PREFIX) or len(token) > 128:
            raise Unauthorized("a valid API token is needed (Authorization: Bearer TOKEN)")
        key = digest(token)
        now = time.time()
        cached = self._cache.get(key)
        if cached is None or cached[0] < now:
            found = self.store.users.token(key)
            cached = (now + CACHE_SECONDS, found)
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                self._cache[key] = cached
        found = cached[1]
        if found is None:
            raise Unauthorized("the API token is not known")
        row, user = found
        if row["revoked_at"] is not None:
            raise Unauthorized("the API token was revoked")
        if row["expires_at"] < now:
            raise Unauthorized("the API token has expired; get a new one (vmfabric login)")
        return user

    def forget(self):
        """Drop the cache (after a revocation in this process)."""
        with self._lock:
            self._cache.clear()
