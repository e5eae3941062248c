"""Local copies of S3 objects for ``athena_sql``, so DuckDB reads plain files.

DuckDB cannot read moto's in-memory objects (and its ``httpfs`` extension is neither built in
nor downloadable offline), so each object a query reads is copied once into a cache under the
emulator's state directory, keyed by bucket, key, version and ETag: a changed object gets a
new entry, an unchanged one is never copied again. Compression is recognised by the object's
first bytes (gzip, zstd; bzip2 and others are refused with a clear error) and kept as the
file's suffix so DuckDB decompresses it.

Partition values reach DuckDB through the path: a file of partition ``dt=2024-01-01`` is also
hard-linked (copied where links fail) as ``layout/dt=2024-01-01/<entry>`` with Hive's
escaping, and read with ``hive_partitioning``. Partitions registered anywhere in S3 therefore
read exactly like Hive-style prefixes.

:meth:`ObjectCache.clear` (on ``POST /moto-api/reset``) removes every copy.

moto internals read: ``FakeKey.value`` (the bytes of an object), through
``athena_sql_catalog.S3Object.source``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import uuid
from pathlib import Path

from labkit.emulator.extensions.athena_sql_catalog import S3Object, hive_path
from labkit.emulator.extensions.athena_sql_errors import not_supported

_MAGIC = {b"\x1f\x8b": ".gz", b"\x28\xb5\x2f\xfd": ".zst"}
_REFUSED = {b"BZh": "bzip2", b"\x04\x22\x4d\x18": "LZ4", b"\xff\x06\x00\x00sNaPpY": "Snappy"}


class ObjectCache:
    """Copies of S3 objects under ``root``; safe to use from several threads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[str, Path] = {}
        self._lock = threading.Lock()
        self.copied = 0  # objects copied since the last clear (observable in tests)

    def path(self, obj: S3Object, layout: str = "") -> Path:
        """A local file with ``obj``'s bytes; under ``layout/`` (``k=v/...``) when given."""
        digest = hashlib.sha1(
            f"{obj.bucket}\0{obj.key}\0{obj.version}\0{obj.etag}".encode()
        ).hexdigest()
        with self._lock:
            stored = self._known.get(digest)
        if stored is None or not stored.exists():
            stored = self._store(obj, digest)
        if not layout:
            return stored
        linked = self.root / "layout" / layout / stored.name
        if not linked.exists():
            linked.parent.mkdir(parents=True, exist_ok=True)
            tmp = linked.with_name(f".{uuid.uuid4().hex}")
            try:
                os.link(stored, tmp)
            except OSError:
                shutil.copyfile(stored, tmp)
            os.replace(tmp, linked)
        return linked

    def _store(self, obj: S3Object, digest: str) -> Path:
        data = obj.source.value
        suffix = ""
        for magic, ext in _MAGIC.items():
            if data.startswith(magic):
                suffix = ext
        for magic, name in _REFUSED.items():
            if data.startswith(magic):
                raise not_supported(f"{name} compression (s3://{obj.bucket}/{obj.key})")
        target = self.root / "objects" / digest[:2] / f"{digest}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{uuid.uuid4().hex}")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        with self._lock:
            self._known[digest] = target
            self.copied += 1
        return target

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self.copied = 0
            shutil.rmtree(self.root, ignore_errors=True)


def layout_path(names: list[str], values: tuple[str | None, ...]) -> str:
    """``k1=v1/k2=v2`` as DuckDB's ``hive_partitioning`` decodes it (all percent-escaped)."""
    return hive_path(names, values, safe="").rstrip("/")
