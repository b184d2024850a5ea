"""The ``<id:...>`` URL converter: a resource id is 1 to 2**31-1, in ASCII digits.

The converter takes any run of digits so that the route always matches; a
number out of that range, or with leading zeros, cannot name anything and is
answered 404 by ``check`` before the view runs (never a database overflow).
"""

from werkzeug.routing import BaseConverter

from service.errors import NotFound

MAX_ID = 2 ** 31 - 1


class IdConverter(BaseConverter):
    regex = r"[0-9]{1,30}"

    def to_python(self, value):
        number = int(value)
        return number if 1 <= number <= MAX_ID and value == str(number) else _NoSuchId(value)

    def to_url(self, value):
        return str(int(value))


class _NoSuchId(str):
    """An id in a URL that no object can have."""


def check(view_args):
    """NotFound when a URL names an id no object can have."""
    for name, value in (view_args or {}).items():
        if isinstance(value, _NoSuchId):
            raise NotFound(f"no {name.removesuffix('id').rstrip('_') or 'object'} "
                           f"{str(value)[:40]} (ids are 1 to {MAX_ID})")
