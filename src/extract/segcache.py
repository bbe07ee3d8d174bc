"""The segmenter's cache on disk: one file per dictionary and lexicon, in a per-user folder.

Building the segmenter from jieba's dictionary takes about 2 s; the cache loads in a fraction of
that. A cache is only trusted when nobody else could have written it:

- the folder is ``$XDG_CACHE_HOME/extract`` (``~/.cache/extract`` when unset), made with mode
  0700; when it cannot be made or is not private, ``extract-<uid>`` in the temp folder (also
  0700); when neither is usable there is no cache and the segmenter is built each time;
- the folder and the file must belong to the current user and be writable by nobody else
  (the file is opened without following a link and checked on the open descriptor);
- the file starts with a header naming its format, the digest of its key (the dictionary file,
  its size and time, the lexicon and whatever else the caller puts in the key) and the sha256 of
  its body; nothing is unmarshalled before all three match.

Any cache that fails a check, or whose body is malformed in any way, is ignored and rewritten:
a bad cache costs one rebuild, never an error of the documents.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import tempfile
from pathlib import Path

from .segmenter import Segmenter

_FORMAT = b"extract-segmenter-3"


def cache_dir() -> Path | None:
    """The per-user cache folder, made (mode 0700) if missing; None when none can be trusted."""
    for d in _candidates():
        try:
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = os.lstat(d)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and _private(st):
            return d
    return None


def _candidates():
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):                    # the XDG spec: a relative value is ignored
        yield Path(xdg) / "extract"
    else:
        try:
            yield Path.home() / ".cache" / "extract"
        except RuntimeError:                  # no home directory known
            pass
    if hasattr(os, "geteuid"):
        yield Path(tempfile.gettempdir()) / f"extract-{os.geteuid()}"


def _private(st: os.stat_result) -> bool:
    """Owned by the current user and writable by nobody else."""
    owner_ok = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
    return owner_ok and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _key_digest(dict_path: Path, key: tuple) -> str:
    st = dict_path.stat()
    return hashlib.sha256(repr((_FORMAT, str(dict_path), st.st_size, int(st.st_mtime), key))
                          .encode("utf-8")).hexdigest()


def load(dict_path: Path, key: tuple) -> tuple[Segmenter, dict[str, str]] | None:
    """The cached segmenter and tags of ``dict_path`` and ``key``, words still packed per first
    character; None when there is no trusted cache folder, no file, or a file that fails any
    check (see the module's docstring)."""
    folder = cache_dir()
    if folder is None:
        return None
    digest = _key_digest(dict_path, key)
    try:
        fd = os.open(folder / _file_name(digest), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))       # a planted FIFO must not block
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or not _private(st):
                return None
            data = fh.read()
        return _parse(data, digest)
    except Exception:  # noqa: BLE001 - any damage at all means: rebuild
        return None


def _parse(data: bytes, key_digest: str) -> tuple[Segmenter, dict[str, str]] | None:
    header, sep, body = data.partition(b"\n")
    fields = header.split(b" ")
    if (not sep or len(fields) != 3 or fields[0] != _FORMAT
            or fields[1].decode("ascii") != key_digest
            or fields[2].decode("ascii") != hashlib.sha256(body).hexdigest()):
        return None
    pending, unknown, tag_words, tag_values = marshal.loads(body)
    if not isinstance(tag_words, str) or not isinstance(tag_values, str):
        return None
    tag_words, tag_values = (tag_words.split("\n"), tag_values.split("\n")) if tag_words else ([], [])
    if len(tag_words) != len(tag_values):
        return None
    return Segmenter.from_packed(pending, unknown), dict(zip(tag_words, tag_values))


def pack_body(seg: Segmenter, tags: dict[str, str]) -> bytes:
    """A cache file's body: the packed segmenter, its unknown-word score and the tag table."""
    return marshal.dumps((seg.pack(), seg.unknown, "\n".join(tags), "\n".join(tags.values())))


def encode(key_digest: str, body: bytes) -> bytes:
    """A cache file: the header line (format, key digest, sha256 of the body), then the body."""
    return b" ".join([_FORMAT, key_digest.encode("ascii"),
                      hashlib.sha256(body).hexdigest().encode("ascii")]) + b"\n" + body


def _file_name(key_digest: str) -> str:
    return f"segmenter-{key_digest[:32]}.marshal"


def store(dict_path: Path, key: tuple, seg: Segmenter, tags: dict[str, str]) -> None:
    """Write the cache of ``dict_path`` and ``key`` (atomically: a reader sees the old file or
    the new one). Without a trusted folder, or when writing fails, nothing is written and the
    segmenter is built again next time."""
    folder = cache_dir()
    if folder is None:
        return
    digest = _key_digest(dict_path, key)
    data = encode(digest, pack_body(seg, tags))
    path = folder / _file_name(digest)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)     # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
