"""API tokens: random, shown once, stored as a hash, with an expiry; revocable.

A token carries 256 random bits, so a plain SHA-256 of it is a safe thing to
store and to look up: checking one costs a hash and an indexed read, not a
password hash. Every request looks its token up (one prepared, indexed read:
tens of microseconds), so a revocation or a deleted user takes effect at once in
every server process, not after some cache's lifetime.
"""

import hashlib
import secrets

from service import clock
from service.errors import Unauthorized

PREFIX = "vmf_"


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    def __init__(self, store):
        self.store = store

    def issue(self, user_id, name, ttl):
        """A new token for USER_ID valid TTL seconds: (token, id). The token is not kept."""
        token = PREFIX + secrets.token_urlsafe(32)
        token_id = self.store.users.add_token(user_id, digest(token), name[:128],
                                              clock.now() + ttl)
        return token, token_id

    def revoke(self, token):
        """Revoke TOKEN itself (a logout)."""
        self.store.users.revoke_digest(digest(token))

    def user(self, token):
        """The User TOKEN belongs to; Unauthorized when it is unknown, expired or revoked."""
        if not token or not token.startswith(PREFIX) or len(token) > 128:
            raise Unauthorized("a valid API token is needed (Authorization: Bearer TOKEN)")
        found = self.store.users.token(digest(token))
        now = clock.now()
        if found is None:
            raise Unauthorized("the API token is not known")
        row, user = found
        if row["revoked_at"] is not None:
            raise Unauthorized("the API token was revoked")
        if row["expires_at"] < now:
            raise Unauthorized("the API token has expired; get a new one (vmfabric login)")
        return user
