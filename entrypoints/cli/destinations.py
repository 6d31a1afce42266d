"""Where ``--out`` sends an export: decided, and its directory made, before the export is built.

Building an export can take minutes at scale, so a mistake in the path must cost nothing: the
directory is made (``--out reports/``) or refused, and a temporary file is created in it, which
proves it takes a new file, all before the database is even opened. The export is then written
whole or not at all: streamed into that temporary file, renamed over the target at the end; anything
that fails or is interrupted on the way removes the temporary file and the directories made.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from entrypoints.cli.common import CliError

STANDARD_OUTPUT = "-"


class Sink:
    """A file an export streams into; a failed write says which file, as a ``CliError``."""

    def __init__(self, file: BinaryIO, name: str) -> None:
        self._file = file
        self._name = name
        self.size = 0  # bytes written

    def write(self, data: bytes) -> None:
        try:
            self._file.write(data)
        except OSError as error:
            raise CliError(f"cannot write {self._name}: {error.strerror}") from None
        self.size += len(data)


class Destination:
    """Standard output, or a file in a directory that exists and takes new files: the name the
    user gave, or (without one) the export's own."""

    def __init__(self, directory: Path | None, name: str | None) -> None:
        self.directory = directory
        self.name = name
        self._part: Path | None = None
        self._made: list[Path] = []  # directories this made, deepest first
        self.written: Path | None = None

    def write(self, filename: str, data: bytes) -> Path | None:
        """Write ``data`` (the export's own ``filename`` unless the user named the file); the
        path written, or None for standard output."""
        with self.writing(filename) as sink:
            sink.write(data)
        return self.written

    @contextmanager
    def writing(self, filename: str) -> Iterator[Sink]:
        """Where to write the export as it streams (the export's own ``filename`` unless the
        user named the file): standard output, the target itself when it is written in place,
        else the temporary file, renamed over the target once the block ends without an error.
        ``written`` is then the path (None for standard output)."""
        if self.directory is None:
            yield Sink(sys.stdout.buffer, STANDARD_OUTPUT)
            sys.stdout.flush()
            return
        target = self.directory / (self.name or filename)
        in_place = _written_in_place(target)
        path = target if in_place else self._part
        assert path is not None, "a destination is written inside ready()"
        try:
            file = path.open("wb")
        except OSError as error:
            raise CliError(f"cannot write {target}: {error.strerror}") from None
        with file:
            yield Sink(file, str(target))
        try:
            if not in_place:
                os.replace(path, target)
                self._part = None
        except OSError as error:
            raise CliError(f"cannot write {target}: {error.strerror}") from None
        self.written = target

    def _prepare(self) -> None:
        assert self.directory is not None
        self._make_directory(self.directory)
        if self.name is not None and _written_in_place(self.directory / self.name):
            return
        try:
            descriptor, part = tempfile.mkstemp(
                dir=self.directory, prefix=".ppp-registry-", suffix=".part"
            )
        except OSError as error:
            raise CliError(f"cannot write to {self.directory}: {error.strerror}") from None
        self._part = Path(part)
        # mkstemp makes the file private (0600); the export is an ordinary file, so it gets the
        # permissions a plain open() would give it.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(descriptor, 0o666 & ~umask)
        os.close(descriptor)

    def _make_directory(self, directory: Path) -> None:
        self._made = [d for d in (directory, *directory.parents) if not d.exists()]
        blocker = next(d for d in (directory, *directory.parents) if d.exists())
        if not blocker.is_dir():
            raise CliError(f"cannot make the directory {directory}: {blocker} is not a directory")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            # The part of the path that is in the way, e.g. a file where a directory should be.
            raise CliError(f"cannot make the directory {directory}: {error.strerror}") from None

    @contextmanager
    def ready(self) -> Iterator[Destination]:
        """This destination, ready to take the export; what it made is removed again unless
        the export was written."""
        if self.directory is None:
            yield self
            return
        try:
            try:
                self._prepare()
            except OSError as error:  # a check on the way that this user may not make
                raise CliError(f"cannot write to {self.directory}: {error.strerror}") from None
            yield self
        finally:
            self._clean_up()

    def _clean_up(self) -> None:
        if self._part is not None:
            self._part.unlink(missing_ok=True)
        if self.written is None:
            for made in self._made:
                with suppress(OSError):  # not empty after all: someone else wrote there
                    made.rmdir()


def _written_in_place(target: Path) -> bool:
    """Whether ``target`` is written through rather than replaced: a link (its target is
    meant), a device such as /dev/null, or a pipe, which a rename would replace with a file."""
    return target.is_symlink() or (target.exists() and not target.is_file())


def destination_of(out: str | None) -> Destination:
    """What ``--out`` means: ``-`` standard output; a path ending in ``/``, or an existing
    directory, a directory (made if it does not exist yet); else a file, whose directory must
    exist (a typo should not make directories); nothing, the current directory."""
    try:
        return _destination_of(out)
    except OSError as error:  # e.g. a directory on the way that this user may not search
        raise CliError(f"cannot write {out}: {error.strerror}") from None


def _destination_of(out: str | None) -> Destination:
    if out == STANDARD_OUTPUT:
        return Destination(None, None)
    if out is None:
        return Destination(Path.cwd(), None)
    path = Path(out)
    if out.endswith(("/", os.sep)) or path.is_dir():
        return Destination(path, None)
    if not path.parent.is_dir():
        if path.parent.exists():
            raise CliError(f"cannot write {path}: {path.parent} is not a directory")
        raise CliError(
            f"cannot write {path}: the directory {path.parent} does not exist; make it first,"
            f" or say --out {path.parent}{os.sep} to have it made (the export then takes its"
            " own name)"
        )
    return Destination(path.parent, path.name)


def destination(out: str | None) -> contextlib.AbstractContextManager[Destination]:
    """The destination ``--out`` names, ready to take the export (see ``Destination.ready``)."""
    return destination_of(out).ready()
