"""The exported YAML content (``content/generated``): the interface between the back office and the site.

The exporter writes one YAML file per data set; the site is built from those
files only, so exporting and building can run on different hosts (copy the
folder, then ``pipeline.publish_content(folder)``). Three things here:

- ``write``: the data sets as YAML (``yaml_out``), a file rewritten only when
  its bytes change;
- ``digest``: the content hash of the files (what the live release was built
  from is compared with it: nothing changed, nothing is built);
- ``read``: the data sets read back. PyYAML's C loader takes about 2.5 s for
  10,000 offers, more than an incremental publication may cost, so a list is
  read record by record and each record's parse is kept in a cache keyed by the
  record's text (``ReadCache``, a file in the publisher's work folder): one
  changed offer is one record parsed. The cache only remembers what PyYAML read
  from the same text; a file it cannot cut into records (not written by
  ``yaml_out``) is read whole.
"""
import hashlib
import pathlib
import pickle

import yaml

from housing.publishing import schemas, yaml_out

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CACHE_VERSION = 1


def write(data, folder):
    """One YAML file per data set under ``folder``; unchanged files are left as they are."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in schemas.DATA_SETS:
        path = folder / f"{name}.yaml"
        text = yaml_out.dumps(data[name]).encode("utf-8")
        if not path.is_file() or path.read_bytes() != text:
            path.write_bytes(text)


def files(folder):
    return [pathlib.Path(folder) / f"{name}.yaml" for name in schemas.DATA_SETS]


def digest(folder):
    """SHA-256 of the data set files (names and bytes)."""
    sha = hashlib.sha256()
    for path in files(folder):
        sha.update(path.name.encode() + b"\0")
        sha.update(path.read_bytes() if path.is_file() else b"\0missing\0")
    return sha.hexdigest()


def _records(text):
    """The items of a top-level block sequence, each as the text of a one-item sequence; None when
    ``text`` is not such a sequence."""
    if not text.startswith("- "):
        return None
    parts = text.split("\n- ")
    return [parts[0] + "\n"] + ["- " + part + "\n" for part in parts[1:]]


class ReadCache:
    """Parsed records by their text, kept in a pickle file between publications (or in memory only)."""

    def __init__(self, path=None):
        self.path = pathlib.Path(path) if path else None
        self.records, self.used = {}, {}
        if self.path and self.path.is_file():
            try:
                version, records = pickle.loads(self.path.read_bytes())
                if version == CACHE_VERSION:
                    self.records = records
            except Exception:  # noqa: BLE001 - a damaged cache is only a slower read
                self.records = {}

    def load_list(self, text):
        records = _records(text)
        if records is None:
            return None
        items = []
        for record in records:
            key = hashlib.sha1(record.encode("utf-8")).digest()
            item = self.records.get(key)
            if item is None:
                try:
                    parsed = yaml.load(record, Loader=LOADER)
                except yaml.YAMLError:
                    return None
                if not isinstance(parsed, list) or len(parsed) != 1:
                    return None
                item = parsed[0]
            self.used[key] = item
            items.append(item)
        return items

    def save(self):
        if self.path:  # only the records of this read: removed offers leave the cache
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_bytes(pickle.dumps((CACHE_VERSION, self.used), protocol=pickle.HIGHEST_PROTOCOL))
            temporary.replace(self.path)


def read(folder, cache=None):
    """The data sets of ``folder``, as PyYAML reads them. ``cache``: a ``ReadCache`` (saved here)."""
    cache = cache if cache is not None else ReadCache()
    data = {}
    for name, path in zip(schemas.DATA_SETS, files(folder)):
        if not path.is_file():
            raise FileNotFoundError(f"exported content missing: {path}")
        text = path.read_text(encoding="utf-8")
        value = cache.load_list(text)
        data[name] = value if value is not None else yaml.load(text, Loader=LOADER)
    cache.save()
    return data
