"""Input files of one entry per line (pm_file, image_file): read whole, all or nothing.

Every bad or duplicate line is reported together, each with file and line
number, and no entry is returned unless every line is good.
"""


def read(path, what, error):
    """The text of PATH; ERROR naming PATH and WHAT (e.g. 'pm_file') when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc


def parse(text, source, parse_line, *, key, duplicate, empty, error, inline_comments):
    """Entries of TEXT, one per non-blank, non-comment line.

    PARSE_LINE(body, number) returns an entry or raises ValueError with the
    reason; KEY(entry) is what two lines must not share; DUPLICATE is the
    message for a repeated line ('{text}' is the line), EMPTY the one for a
    file without entries. INLINE_COMMENTS: '#' starts a comment anywhere on a
    line, not only at its start (where a path may contain '#').
    """
    entries, errors, seen = [], [], {}
    for number, raw in enumerate(text.splitlines(), start=1):
        body = (raw.split("#", 1)[0] if inline_comments else raw).strip()
        if not body or body.startswith("#"):
            continue
        try:
            entry = parse_line(body, number)
        except ValueError as exc:
            errors.append(f"{source}:{number}: {exc}")
            continue
        if key(entry) in seen:
            errors.append(f"{source}:{number}: {duplicate.format(text=repr(body))} "
                          f"(first on line {seen[key(entry)]})")
            continue
        seen[key(entry)] = number
        entries.append(entry)
    if errors:
        raise error("\n".join(errors))
    if not entries:
        raise error(f"{source}: {empty}")
    return entries
