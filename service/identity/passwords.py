"""Passwords, hashed with argon2id (argon2-cffi); never stored or logged in clear."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from service.errors import ValidationError

NO_PASSWORD = "!"  # a hash no password matches: an account only tokens open
MIN_LENGTH, MAX_LENGTH = 8, 1024
_hasher = PasswordHasher()
# the hash of a random password no one knows, made with the hasher's parameters: a login
# for a user who does not exist checks against it, so it costs what a wrong password costs
# and the time of the answer does not tell whether the user exists
_UNKNOWN_USER = "$argon2id$v=19$m=65536,t=3,p=4$YFvONuVT9jZHSee+KGFfXg$yKzt5/0sSMB4dKLPQkiyDTZ20KvT/r9yJSssRHfa3Jc"
_unknown_user_hash = None


def check(password, field="password"):
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationError(f"{field}: {MIN_LENGTH} to {MAX_LENGTH} characters", field=field)
    return password


def hash_password(password):
    return _hasher.hash(check(password))


def matches(password_hash, password):
    """True when PASSWORD opens PASSWORD_HASH (constant-time inside argon2)."""
    if not password_hash or password_hash == NO_PASSWORD or not isinstance(password, str):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def unknown_user_hash():
    """A hash no password matches, made with the hasher's current parameters."""
    global _unknown_user_hash
    if _unknown_user_hash is None:
        _unknown_user_hash = (_UNKNOWN_USER if not _hasher.check_needs_rehash(_UNKNOWN_USER)
                              else _hasher.hash(secrets.token_hex(16)))
    return _unknown_user_hash
