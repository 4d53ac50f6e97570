"""Other headers, remembered per source ("IACP export"): a small JSON file.

``{source: {kind: {file header: template header or "" to ignore}}}``; written
to a temporary file and moved into place, so a reader never sees half of it.
"""
import json
import os
import tempfile

MAX_SOURCE = 80


def load(path, source, kind):
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return {}
    mapping = stored.get(source, {}).get(kind, {}) if isinstance(stored, dict) else {}
    return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}


def sources(path):
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return []
    return sorted(stored) if isinstance(stored, dict) else []


def save(path, source, kind, mapping):
    source = source.strip()[:MAX_SOURCE]
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        stored = {}
    stored.setdefault(source, {})[kind] = {str(k): str(v) for k, v in mapping.items()}
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(stored, out, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(temporary, path)
