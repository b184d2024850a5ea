"""SSH keys of guests: the host key vmfabric makes for each, the public keys that log in.

vmfabric generates each guest's SSH host key and hands it to the guest on its
cidata disk, so it knows the key before first boot: connections to guests are
verified from the first one (a known_hosts file of every guest's address and
key), never trust-on-first-use. The private half exists only on that disk.
"""

import base64
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from service.errors import ValidationError
from service.util import write_atomically

MAX_KEYS = 10
MAX_KEY_LENGTH = 16384
TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
         "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")


def new_host_key(comment):
    """(private key in OpenSSH format, public key line) of a fresh ed25519 host key."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, f"{public} {comment}"


def check_public_keys(keys, field="ssh_keys"):
    """KEYS as clean public key lines; ValidationError naming the first bad one."""
    if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_KEYS:
        raise ValidationError(f"{field}: a list of 1 to {MAX_KEYS} public keys", field=field)
    clean = []
    for index, key in enumerate(keys):
        where = f"{field}.{index}"
        if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or "\n" in key.strip():
            raise ValidationError(f"{where}: one public key line of at most {MAX_KEY_LENGTH} "
                                  "characters", field=where)
        parts = key.strip().split()
        if len(parts) < 2 or parts[0] not in TYPES:
            raise ValidationError(f"{where}: not an OpenSSH public key (expected "
                                  f"'TYPE BASE64 [comment]' with TYPE one of {', '.join(TYPES[:3])} ...)",
                                  field=where)
        try:
            blob = base64.b64decode(parts[1], validate=True)
            if not parts[0].startswith("sk-"):
                serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
        except ValueError:
            raise ValidationError(f"{where}: the key's data is not a valid {parts[0]} key",
                                  field=where) from None
        if not blob:
            raise ValidationError(f"{where}: empty key", field=where)
        clean.append(" ".join(parts))
    return clean


def installation_key(private_key):
    """The public key of vmfabric's own SSH key (the default that logs in to guests)."""
    try:
        with open(private_key + ".pub") as fh:
            return [fh.read().strip()]
    except OSError:
        return []


def write_known_hosts(path, entries):
    """Make PATH the known_hosts of ENTRIES [(ip, public key line)], atomically."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = [f"{ip} {' '.join(key.split()[:2])}" for ip, key in entries]
    write_atomically(path, "".join(line + "\n" for line in lines))
