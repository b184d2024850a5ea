"""Users and their API tokens (only a token's hash is stored)."""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict, NotFound
from service.store.records import User
from service.store.schema import clusters, tokens, users, vms, volumes

USER_COLUMNS = (users.c.id, users.c.username, users.c.role, users.c.quota, users.c.created_at)
BY_NAME = sa.select(*USER_COLUMNS).where(users.c.username == sa.bindparam("name"))
BY_ID = sa.select(*USER_COLUMNS).where(users.c.id == sa.bindparam("user_id"))
ALL = sa.select(*USER_COLUMNS).order_by(users.c.id)
HASH = sa.select(users.c.id, users.c.password_hash).where(users.c.username == sa.bindparam("name"))
# a token's owner, if the token is live (not revoked; its expiry is checked by the caller)
TOKEN = (sa.select(tokens.c.id.label("token_id"), tokens.c.expires_at, tokens.c.revoked_at,
                   *USER_COLUMNS)
         .join(users, users.c.id == tokens.c.user_id)
         .where(tokens.c.token_hash == sa.bindparam("digest")))


def _user(row):
    return User(id=row["id"], username=row["username"], role=row["role"], quota=row["quota"],
                created_at=row["created_at"])


class UserRepo:
    def __init__(self, store):
        self.store = store
        self._by_name = store.prepare(BY_NAME)
        self._by_id = store.prepare(BY_ID)
        self._all = store.prepare(ALL)
        self._hash = store.prepare(HASH)
        self._token = store.prepare(TOKEN)

    def create(self, username, password_hash, role, quota=None):
        try:
            with self.store.write() as conn:
                return conn.execute(users.insert().values(
                    username=username, password_hash=password_hash, role=role,
                    quota=quota or {}, created_at=clock.now())).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise Conflict(f"username: {username!r} exists") from None

    def by_name(self, username):
        row = self._by_name.first({"name": username})
        if row is None:
            raise NotFound(f"no user {username!r}")
        return _user(row)

    def get(self, user_id):
        return _user(self._by_id.one({"user_id": user_id}, f"no user {user_id}"))

    def list(self):
        return [_user(row) for row in self._all.mappings()]

    def password_hash(self, username):
        """(user id, hash) of USERNAME, or None."""
        row = self._hash.first({"name": username})
        return (row["id"], row["password_hash"]) if row else None

    def set_quota(self, user_id, quota):
        with self.store.write() as conn:
            conn.execute(users.update().where(users.c.id == user_id).values(quota=quota))

    def delete(self, user_id):
        """Remove a user who owns nothing any more; their tokens go with them."""
        with self.store.write() as conn:
            owned = conn.execute(sa.select(sa.func.count()).select_from(vms).where(
                vms.c.user_id == user_id, vms.c.state != "failed")).scalar()
            owned += conn.execute(sa.select(sa.func.count()).select_from(clusters).where(
                clusters.c.user_id == user_id)).scalar()
            owned += conn.execute(sa.select(sa.func.count()).select_from(volumes).where(
                volumes.c.user_id == user_id, volumes.c.state != "deleted")).scalar()
            if owned:
                raise Conflict(f"user {user_id} still owns {owned} VM(s), cluster(s) or "
                               "volume(s); destroy them first")
            conn.execute(tokens.delete().where(tokens.c.user_id == user_id))
            # what is left of them (failed VMs, deleted volumes) stays, owned by no one
            conn.execute(vms.update().where(vms.c.user_id == user_id).values(user_id=None))
            conn.execute(volumes.update().where(volumes.c.user_id == user_id)
                         .values(user_id=None))
            conn.execute(users.delete().where(users.c.id == user_id))

    # ---- tokens ------------------------------------------------------------
    def add_token(self, user_id, digest, name, expires_at):
        with self.store.write() as conn:
            return conn.execute(tokens.insert().values(
                user_id=user_id, token_hash=digest, name=name, created_at=clock.now(),
                expires_at=expires_at)).inserted_primary_key[0]

    def token(self, digest):
        """(token row, User) for a token's DIGEST, or None."""
        row = self._token.first({"digest": digest})
        return (row, _user(row)) if row else None

    def tokens_of(self, user_id):
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(tokens.c.id, tokens.c.name, tokens.c.created_at, tokens.c.expires_at,
                          tokens.c.revoked_at).where(tokens.c.user_id == user_id)
                .order_by(tokens.c.id))]

    def revoke_digest(self, digest):
        with self.store.write() as conn:
            conn.execute(tokens.update().where(tokens.c.token_hash == digest,
                                               tokens.c.revoked_at.is_(None))
                         .values(revoked_at=clock.now()))

    def revoke(self, token_id, user_id=None):
        """Revoke a token (of USER_ID, when given); NotFound otherwise."""
        where = [tokens.c.id == token_id, tokens.c.revoked_at.is_(None)]
        if user_id is not None:
            where.append(tokens.c.user_id == user_id)
        with self.store.write() as conn:
            if conn.execute(tokens.update().where(*where).values(
                    revoked_at=clock.now())).rowcount != 1:
                raise NotFound(f"no live token {token_id}")
