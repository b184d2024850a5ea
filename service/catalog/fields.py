"""What an image request carries, checked before anything is made: each bad value is a
ValidationError naming its field."""

import re
import urllib.parse

from service.errors import ValidationError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$")
OS_RE = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
LOGIN_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# the user each distribution's cloud images log in as (cloud-init's default user)
LOGINS = {"debian": "debian", "ubuntu": "ubuntu", "fedora": "fedora", "centos": "cloud-user",
          "rhel": "cloud-user", "rocky": "rocky", "almalinux": "almalinux", "alpine": "alpine",
          "opensuse": "opensuse", "arch": "arch"}
FIELDS = ("name", "url", "sha256", "os", "login", "min_disk_gb", "min_ram_mb")


def image_fields(data, url_required=False):
    """{name, url?, sha256, os, login, min_disk_gb, min_ram_mb} of DATA (a mapping of strings
    or JSON values), checked."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValidationError(f"{unknown[0]}: unknown field (known: {', '.join(FIELDS)})",
                              field=unknown[0])
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValidationError(f"name: 1-64 letters, digits, '.', '_', '-' or spaces, starting "
                              f"with a letter or digit, not {name!r}", field="name")
    out = {"name": name, "sha256": _sha256(data.get("sha256")),
           "os": _matching("os", data.get("os"), OS_RE, "a lower-case OS name such as debian"),
           "min_disk_gb": _whole("min_disk_gb", data.get("min_disk_gb", 0), 65536),
           "min_ram_mb": _whole("min_ram_mb", data.get("min_ram_mb", 0), 1 << 22)}
    out["login"] = _matching("login", data.get("login"), LOGIN_RE, "a user name") \
        or LOGINS.get(out["os"])
    if url_required or data.get("url") is not None:
        out["url"] = check_url(data.get("url"))
    return out


def check_url(url):
    if not isinstance(url, str) or len(url) > 2000:
        raise ValidationError(f"url: an http or https URL, not {url!r}"[:200], field="url")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError(f"url: only http and https are imported, not {parts.scheme or url!r}",
                              field="url")
    if not parts.hostname:
        raise ValidationError(f"url: {url!r} names no host", field="url")
    if parts.username or parts.password:
        raise ValidationError("url: credentials in the URL are refused (they would be stored "
                              "with the image)", field="url")
    return url


def _sha256(value):
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not SHA256_RE.match(value.lower()):
        raise ValidationError(f"sha256: 64 hexadecimal digits, not {value!r}"[:160], field="sha256")
    return value.lower()


def _matching(field, value, pattern, what):
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise ValidationError(f"{field}: {what}, not {value!r}"[:160], field=field)
    return value


def _whole(field, value, most):
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise ValidationError(f"{field}: a whole number from 0 to {most}, not {value!r}",
                              field=field)
    return value
