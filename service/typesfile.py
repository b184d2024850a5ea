"""The types_file: instance types as the JSON of /vm/types, with or without tids,
or in the looser form the specification printed (no outer braces, trailing commas).

Parsed as data (JSON, then YAML's safe loader for the loose form), never evaluated.
"""

import json

import yaml

from service import linefile
from service.errors import ConfigError

FIELDS = ("cpu", "ram", "disk")


def parse(path):
    data = _load(linefile.read(path, "types_file", ConfigError), path)
    if isinstance(data, dict):
        data = data.get("types")
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{path}: expected {{\"types\": [{{\"tid\", \"cpu\", \"ram\", \"disk\"}}, ...]}}")
    types, seen = [], {}
    for number, entry in enumerate(data, start=1):
        where = f"{path}: entry {number} ({json.dumps(entry)[:120]})"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: not an object")
        unknown = set(entry) - set(FIELDS) - {"tid"}
        if unknown:
            raise ConfigError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        values = {}
        for field in FIELDS + ("tid",):
            if field == "tid" and "tid" not in entry:
                values["tid"] = number
                continue
            value = entry.get(field)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(f"{where}: {field} must be a positive integer, not {value!r}")
            values[field] = value
        if values["tid"] in seen:
            raise ConfigError(f"{where}: tid {values['tid']} repeats entry {seen[values['tid']]}")
        seen[values["tid"]] = number
        types.append({"tid": values["tid"], "cpu": values["cpu"], "ram_mb": values["ram"],
                      "disk_gb": values["disk"]})
    return types


def _load(text, path):
    try:
        return json.loads(text)
    except ValueError:
        pass
    stripped = text.strip()
    if stripped.startswith('"types"') or stripped.startswith("types"):
        stripped = "{" + stripped.rstrip(",") + "}"
    try:
        return yaml.safe_load(stripped)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid JSON or the specification's types format: "
                          f"{getattr(exc, 'problem', exc)}") from None
