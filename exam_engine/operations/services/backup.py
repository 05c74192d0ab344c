"""Logical backup and restore of the whole database, the same on SQLite and PostgreSQL.

A backup is a gzip file of JSON lines: a header (format, migration revision, each
table's columns and row count), then every row of every table in dependency order, then
a trailer with the SHA-256 of the row lines. It is read from one snapshot (a single
read transaction), so it is consistent while the service runs. Values are stored as the
models read them and written back unchanged, so the hash-chained event log still
verifies after a restore; the format is the same for both databases, so a backup taken
on one restores onto the other.

A restore goes into an empty database migrated to the same revision, in one transaction:
a damaged, truncated or mismatched file writes nothing.
"""

import base64
import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Date, DateTime, LargeBinary, Table, func, inspect, select, text
from sqlalchemy.engine import Connection

from exam_engine.core.commands import upgrade_to_head
from exam_engine.core.extensions import db

FORMAT = "exam-engine-backup"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(ValueError):
    """A backup file that cannot be restored, or a database that cannot receive it."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)  # parents before children


def _encode(value: Any) -> Any:
    """A column value as JSON: times in ISO 8601 (offset kept), bytes in base64, enums by value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Enum):
        return value.value
    return value


def _decoder(table: Table) -> list[Callable[[Any], Any]]:
    decoders: list[Callable[[Any], Any]] = []
    for column in table.columns:
        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(impl, DateTime):
            decoders.append(lambda v: None if v is None else datetime.fromisoformat(v))
        elif isinstance(impl, Date):
            decoders.append(lambda v: None if v is None else date.fromisoformat(v))
        elif isinstance(impl, LargeBinary):
            decoders.append(lambda v: None if v is None else base64.b64decode(v))
        else:
            decoders.append(lambda v: v)
    return decoders


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def write_backup(path: Path, progress: Callable[[str, int], None] | None = None) -> BackupSummary:
    """Write the whole database to `path` from one consistent snapshot."""
    engine = db.engine
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # pysqlite opens no transaction for reads by itself
        revision = _revision(connection)
        if revision is None:
            raise BackupError("the database has no migration revision; run `exam-engine db upgrade` first")
        tables = _tables()
        counts = {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
        digest = hashlib.sha256()
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.write(json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "revision": revision,
                                  "tables": [{"name": t.name, "columns": [c.name for c in t.columns],
                                              "rows": counts[t.name]} for t in tables]}) + "\n")
            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                for row in connection.execute(select(table).order_by(*order)):
                    line = json.dumps([table.name, [_encode(v) for v in row]],
                                      ensure_ascii=False, separators=(",", ":"))
                    digest.update(line.encode())
                    out.write(line + "\n")
                if progress:
                    progress(table.name, counts[table.name])
            out.write(json.dumps({"sha256": digest.hexdigest()}) + "\n")
    return BackupSummary(path, revision, counts)


def _read_lines(handle: IO[str], where: Path) -> Iterator[str]:
    try:
        yield from handle
    except gzip.BadGzipFile as error:
        raise BackupError(f"{where}: not an exam-engine backup ({error})") from error
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise BackupError(f"{where}: the file is damaged ({error})") from error


def _header(line: str | None, where: Path) -> dict[str, Any]:
    try:
        header = json.loads(line or "")
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{where}: not an exam-engine backup")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(f"{where}: backup format {header.get('version')} is not supported (this is {FORMAT_VERSION})")
    return header


def _check_target(connection: Connection, header: dict[str, Any], where: Path) -> None:
    revision = _revision(connection)
    if revision != header["revision"]:
        raise BackupError(f"{where}: taken at migration {header['revision']}, but the database is at {revision}; "
                          f"restore with the code version that wrote it")
    known = {t.name: t for t in _tables()}
    for entry in header["tables"]:
        table = known.get(entry["name"])
        if table is None or [c.name for c in table.columns] != entry["columns"]:
            raise BackupError(f"{where}: table {entry['name']} does not match this version's schema")
    filled = [t.name for t in known.values() if connection.scalar(select(func.count()).select_from(t))]
    if filled:
        raise BackupError(f"the database is not empty (rows in {', '.join(filled[:5])}); "
                          f"restore into a new, empty database")


def restore_backup(path: Path, progress: Callable[[str, int], None] | None = None) -> BackupSummary:
    """Restore `path` into this app's empty database (migrated here first if it has no tables)."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with db.engine.connect() as probe:
        fresh = _revision(probe) is None
    if fresh:
        upgrade_to_head()
    known = {t.name: t for t in _tables()}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = _read_lines(handle, path)
        header = _header(next(lines, None), path)
        with db.engine.begin() as connection:
            _check_target(connection, header, path)
            counts = _insert_rows(connection, lines, known, path, progress)
            expected = {e["name"]: e["rows"] for e in header["tables"]}
            if counts != {name: expected.get(name, 0) for name in counts}:
                raise BackupError(f"{path}: the file is incomplete (row counts differ from its header)")
            _reset_sequences(connection)
    return BackupSummary(path, header["revision"], counts)


def _insert_rows(connection: Connection, lines: Iterator[str], known: dict[str, Table], where: Path,
                 progress: Callable[[str, int], None] | None) -> dict[str, int]:
    counts = {name: 0 for name in known}
    digest = hashlib.sha256()
    batch: list[dict[str, Any]] = []
    current: Table | None = None
    trailer: dict[str, Any] | None = None

    def flush() -> None:
        if current is not None and batch:
            connection.execute(current.insert(), batch)
            batch.clear()

    for number, line in enumerate(lines, start=2):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BackupError(f"{where}: line {number} is damaged ({error.msg})") from error
        if isinstance(record, dict):
            trailer = record
            break
        name, values = record
        table = known.get(name)
        if table is None:
            raise BackupError(f"{where}: line {number} names an unknown table {name!r}")
        if table is not current:
            flush()
            if current is not None and progress:
                progress(current.name, counts[current.name])
            current = table
        decoders = _decoder(table)
        batch.append({c.key: d(v) for c, d, v in zip(table.columns, decoders, values)})
        counts[name] += 1
        digest.update(line.rstrip("\n").encode())
        if len(batch) >= BATCH:
            flush()
    flush()
    if current is not None and progress:
        progress(current.name, counts[current.name])
    if trailer is None or trailer.get("sha256") != digest.hexdigest():
        raise BackupError(f"{where}: the file is incomplete or altered (its checksum does not match)")
    return counts


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: move each id sequence past the restored ids, so new rows do not collide."""
    if connection.dialect.name != "postgresql":
        return
    for table in _tables():
        if "id" in table.columns and table.columns["id"].autoincrement:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))
