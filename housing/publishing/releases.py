"""Release folders and the atomic switch of the live site.

``<root>/releases/<timestamp>/`` holds each build; ``<root>/current`` is a
symlink to the live one, replaced in one ``os.replace`` so that a visitor sees
either the old site or the new one, never half of each. The last
``KEEP`` releases stay on disk for rollback.

A release is built under a temporary name (``releases/.incomplete-<timestamp>``)
and renamed to ``releases/<timestamp>`` only when it is complete: checked, with
its content hash written. Only complete releases count among the ``KEEP``; what
a killed publisher left (an unfinished folder, a symlink not yet swapped) is
swept by the next publisher as soon as it holds the work folder.
"""
import contextlib
import datetime
import fcntl
import os
import pathlib
import shutil

KEEP = 5
HASH_FILE = ".content-hash"
INCOMPLETE = ".incomplete-"  # prefix of a release being built
SWAP = ".current-"  # prefix of the symlink that replaces ``current``


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
                self.sweep()  # no other publisher on this root now: whatever is unfinished was abandoned
                yield self.work_folder
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def new(self):
        """An empty folder for a release being built (a temporary name until ``publish``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.folder / (INCOMPLETE + stamp)
        path.mkdir()
        return path

    @staticmethod
    def is_complete(path):
        """A published (or publishable) release: its final name and its content hash written."""
        return not path.name.startswith(".") and path.is_dir() and (path / HASH_FILE).is_file()

    def kept(self):
        """The complete releases, oldest first: the live one and those kept for rollback."""
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.iterdir() if self.is_complete(p)), key=lambda p: p.name)

    def live(self):
        """The folder the live site points to, or None."""
        return self.current.resolve() if self.current.is_symlink() else None

    def live_hash(self):
        live = self.live()
        marker = live / HASH_FILE if live else None
        return marker.read_text().strip() if marker and marker.exists() else None

    def publish(self, release, content_hash, prune=True):
        """Complete ``release`` (hash, final name), make it the live site, prune (unless told not to:
        the caller prunes once the site is live); return its final path."""
        (release / HASH_FILE).write_text(content_hash + "\n")
        if release.name.startswith(INCOMPLETE):
            final = release.with_name(release.name[len(INCOMPLETE):])
            os.rename(release, final)  # one step: a folder with the final name is always complete
            release = final
        temporary = self.root / f"{SWAP}{os.getpid()}"
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        os.symlink(os.path.relpath(release, self.root), temporary)
        os.replace(temporary, self.current)
        if prune:
            self.prune()
        return release

    def discard(self, release):
        shutil.rmtree(release, ignore_errors=True)

    def prune(self):
        """Remove the complete releases beyond the last ``KEEP`` (never the live one)."""
        live = self.live()
        for old in self.kept()[:-KEEP]:
            if old.resolve() != live:
                shutil.rmtree(old, ignore_errors=True)

    def sweep(self):
        """Remove what an interrupted publisher left: unfinished releases and swap symlinks.

        Call only while holding the work folder (``working()``): another publisher's release
        in progress would look unfinished too. The live release is never removed.
        """
        live = self.live()
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if not self.is_complete(path) and path.resolve() != live:
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
        for path in self.root.glob(SWAP + "*"):
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
