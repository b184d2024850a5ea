"""Every list of /api/v1 pages one way: `?limit=N` (at most 10,000; 1,000 by default) and
`?cursor=C` (the `next` of the page before), and every answer carries `total` (the items the
filters match, on every page) and `next` (the cursor of the following page, or null).

A cursor is the last item's id as a string: a page begins after it (before it, in a list
that is newest first), so items made or removed meanwhile neither repeat nor skip others.
"""

from flask import jsonify, request

from service.api.v1.spec import LIMITS
from service.api.v1.validate import query_int, quote
from service.errors import ValidationError

DEFAULT = 1000


def limit():
    return query_int("limit", DEFAULT, 1, LIMITS["limit"])


def cursor():
    """The cursor given, as the id it stands for (None: the first page)."""
    raw = request.args.get("cursor")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise ValidationError(f"cursor: {quote(raw)} is no cursor (give a page's `next`)",
                              field="cursor")
    return int(raw)


def answer(key, rows, present=lambda chunk: chunk, id_of=lambda row: row["id"]):
    """The page of ROWS (every matching item, oldest id first) the request asks for, as JSON
    under KEY with `total` and `next`; PRESENT(the page's rows): their JSON views (only the
    page's rows are presented)."""
    after, most = cursor(), limit()
    rest = [row for row in rows if after is None or id_of(row) > after]
    chunk = rest[:most]
    following = str(id_of(chunk[-1])) if len(rest) > most else None
    return jsonify(**{key: present(chunk)}, total=len(rows), next=following)


def newest_first(key, fetch, count):
    """A page of a newest-first list: FETCH(limit, before) gives up to limit items older than
    BEFORE (an id; None: the newest), COUNT() how many match in all."""
    before, most = cursor(), limit()
    rows = fetch(most + 1, before)
    following = str(rows[most - 1]["id"]) if len(rows) > most else None
    return jsonify(**{key: rows[:most]}, total=count(), next=following)
