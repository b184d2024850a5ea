"""Passwords, hashed with argon2id (argon2-cffi); never stored or logged in clear."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from service.errors import ValidationError

NO_PASSWORD = "!"  # a hash no password matches: an account only tokens open
MIN_LENGTH, MAX_LENGTH = 8, 1024
_hasher = PasswordHasher()


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
