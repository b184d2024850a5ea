"""Accounts: admins and members, their passwords, tokens and quotas.

The seed API's built-in account (``seed``) has no password (only the seed API
acts as it) and no quota. install.sh creates the first admin with no
password either, and hands out only a token (``$VMFABRIC_HOME/admin.token``).
"""

import re

from service import clock
from service.errors import Conflict, NotFound, Unauthorized, ValidationError
from service.identity import passwords
from service.identity.quotas import RESOURCES

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
ROLES = ("admin", "member")
SEED_ACCOUNT = "seed"
# how long a process trusts the seed account it read (a change of its role waits this long)
SEED_READ_EVERY = 10.0


class Accounts:
    def __init__(self, store, tokens, token_ttl):
        self.store = store
        self.tokens = tokens
        self.token_ttl = token_ttl
        self._seed = (None, float("-inf"))  # (the seed account, when it was read)

    def create(self, username, password, role, with_password=True):
        """A new account (a ValidationError names the bad field); returns the User."""
        if not isinstance(username, str) or not USERNAME.match(username):
            raise ValidationError("username: 1-32 of a-z, 0-9, _ . -, starting with a letter",
                                  field="username")
        if role not in ROLES:
            raise ValidationError(f"role: one of {', '.join(ROLES)}", field="role")
        digest = passwords.hash_password(password) if with_password else passwords.NO_PASSWORD
        return self.store.users.get(self.store.users.create(username, digest, role))

    def login(self, username, password, name="login"):
        """(token, id) for USERNAME if PASSWORD is theirs; the same refusal whatever was wrong."""
        found = self.store.users.password_hash(username) if isinstance(username, str) else None
        # an unknown user (or one no password opens) costs the same work as a wrong password
        digest = found[1] if found and found[1] != passwords.NO_PASSWORD \
            else passwords.unknown_user_hash()
        if not passwords.matches(digest, password) or found is None \
                or found[1] == passwords.NO_PASSWORD:
            raise Unauthorized("wrong username or password")
        return self.tokens.issue(found[0], name, self.token_ttl)

    def issue_token(self, user, name, ttl=None):
        return self.tokens.issue(user.id, name, min(ttl or self.token_ttl, self.token_ttl))

    def revoke(self, user, token_id):
        self.store.users.revoke(token_id, None if user.is_admin else user.id)

    def delete(self, username):
        if username == SEED_ACCOUNT:
            raise Conflict("username: the seed API's built-in account cannot be deleted")
        user = self.store.users.by_name(username)
        self.store.users.delete(user.id)

    def set_quota(self, username, quota):
        user = self.store.users.by_name(username)
        for name, value in quota.items():
            if name not in RESOURCES + ("unlimited",):
                raise ValidationError(f"quota.{name}: unknown (one of {', '.join(RESOURCES)})",
                                      field=f"quota.{name}")
        self.store.users.set_quota(user.id, {**user.quota, **quota})
        return self.store.users.get(user.id)

    def seed_account(self):
        """The built-in account every open-mode seed request acts as: read once per process
        and again after SEED_READ_EVERY seconds (its id never changes; what may, its quota,
        is read inside each claim's transaction; its role rarely, and not by the seed API)."""
        account, read_at = self._seed
        if clock.monotonic() - read_at < SEED_READ_EVERY:
            return account
        try:
            account = self.store.users.by_name(SEED_ACCOUNT)
        except NotFound:
            raise Conflict("the seed API's built-in account is missing (run vmfabric db "
                           "upgrade)") from None
        self._seed = (account, clock.monotonic())
        return account
