"""Release folders and the atomic switch of the live site.

``<root>/releases/<timestamp>/`` holds each build; ``<root>/current`` is a
symlink to the live one, replaced in one ``os.replace`` so that a visitor sees
either the old site or the new one, never half of each. The last
``KEEP`` releases stay on disk for rollback.
"""
import contextlib
import datetime
import fcntl
import os
import pathlib
import shutil

KEEP = 5
HASH_FILE = ".content-hash"


class WorkFolderBusy(RuntimeError):
    """Another publisher holds the work folder of this site root."""


class Releases:
    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.folder = self.root / "releases"
        self.current = self.root / "current"

    @property
    def work_folder(self):
        """The publisher's work folder (Markdown pages, MkDocs configs, shard outputs), kept between runs."""
        return self.root / "work"

    @contextlib.contextmanager
    def working(self):
        """The work folder, for this process alone: a second publisher on the same root is refused."""
        self.work_folder.mkdir(parents=True, exist_ok=True)
        with open(self.root / "work.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkFolderBusy(f"un'altra pubblicazione sta usando {self.work_folder}") from None
            try:
                yield self.work_folder
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def new(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.folder / stamp
        path.mkdir()
        return path

    def live(self):
        """The folder the live site points to, or None."""
        return self.current.resolve() if self.current.is_symlink() else None

    def live_hash(self):
        live = self.live()
        marker = live / HASH_FILE if live else None
        return marker.read_text().strip() if marker and marker.exists() else None

    def publish(self, release, content_hash):
        (release / HASH_FILE).write_text(content_hash + "\n")
        temporary = self.root / f".current-{os.getpid()}"
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        os.symlink(os.path.relpath(release, self.root), temporary)
        os.replace(temporary, self.current)
        self.prune()

    def discard(self, release):
        shutil.rmtree(release, ignore_errors=True)

    def prune(self):
        live = self.live()
        releases = sorted(p for p in self.folder.iterdir() if p.is_dir())
        for old in releases[:-KEEP]:
            if old.resolve() != live:
                shutil.rmtree(old, ignore_errors=True)
