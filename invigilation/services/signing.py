"""Signed session heads: tamper evidence that does not trust the database.

A session's head (length and last hash of its chain) is signed with an Ed25519 key held
outside the database (`LOG_SIGNING_KEY_FILE`) and written, as one small JSON file, to the
awarding body's store (`LOG_SIGNATURE_STORE`: a directory it owns and the app can only
add to, for example a mounted write-once share). `verify-log` checks the chain against
every signed head in the store with the public keys the awarding body keeps
(`LOG_PUBLIC_KEYS_DIR`, by default the store's `keys/`): a deleted tail with the stored
head fixed, a deleted log or a chain recomputed from scratch no longer matches what was
signed. Changes after the last signed head are covered by the chain alone: that is the
detection window, as long as the interval between checkpoints.

Keys are named by the first 16 hex digits of the SHA-256 of the raw public key, so a
rotated key leaves old signatures verifiable by the old public key.
"""

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import TestSession
from invigilation.services.event_log import canonical_json


class SigningError(RuntimeError):
    """The signing key or the store is missing or unusable."""


@dataclass(frozen=True)
class SignedHead:
    session: int
    length: int
    head: str
    signed_at: str
    key: str
    signature: str  # base64 of the Ed25519 signature of `message`

    @property
    def message(self) -> bytes:
        return canonical_json({"session": self.session, "length": self.length, "head": self.head,
                               "signed_at": self.signed_at, "key": self.key}).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def create_key(private_file: Path, public_dir: Path) -> str:
    """A new signing key: the private key to `private_file` (readable by its owner only), the public
    key to `public_dir/<key id>.pem`. Returns the key id."""
    key = Ed25519PrivateKey.generate()
    private_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    identifier = key_id(key.public_key())
    public_dir.mkdir(parents=True, exist_ok=True)
    (public_dir / f"{identifier}.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return identifier


def _path(name: str) -> Path | None:
    value = current_app.config.get(name)
    return Path(value) if value else None


def store() -> Path | None:
    return _path("LOG_SIGNATURE_STORE")


def public_keys_dir() -> Path | None:
    configured, signatures = _path("LOG_PUBLIC_KEYS_DIR"), store()
    return configured or (signatures / "keys" if signatures else None)


def signing_configured() -> bool:
    return _path("LOG_SIGNING_KEY_FILE") is not None and store() is not None


def _signing_key() -> Ed25519PrivateKey:
    path = _path("LOG_SIGNING_KEY_FILE")
    if path is None:
        raise SigningError("LOG_SIGNING_KEY_FILE is not set")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise SigningError(f"cannot read the signing key {path}: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 private key")
    return key


def sign_head(session_id: int) -> SignedHead | None:
    """Sign the session's committed head into the store; None when signing is not configured.
    Call it after the transaction that wrote the head has committed."""
    folder = store()
    if not signing_configured() or folder is None:
        return None
    key = _signing_key()
    length, head = db.session.execute(select(TestSession.log_length, TestSession.log_head)
                                      .where(TestSession.id == session_id)).one()
    unsigned = SignedHead(session_id, length, head or "", utcnow().isoformat(), key_id(key.public_key()), "")
    signed = SignedHead(**{**asdict(unsigned), "signature": base64.b64encode(key.sign(unsigned.message)).decode()})
    target = folder / f"session-{session_id}" / f"{length:010d}-{signed.head[:16]}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as handle:  # never overwrite what the store holds
            json.dump(asdict(signed), handle, sort_keys=True)
    except FileExistsError:
        pass  # this head was signed already
    return signed


def signed_heads(session_id: int) -> list[SignedHead]:
    """The session's signed heads in the store, shortest first."""
    folder = store()
    if folder is None or not (folder / f"session-{session_id}").is_dir():
        return []
    heads = []
    for path in sorted((folder / f"session-{session_id}").glob("*.json")):
        try:
            heads.append(SignedHead(**json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError) as error:
            heads.append(SignedHead(session_id, -1, "", "", "", f"unreadable ({path.name}: {error})"))
    return sorted(heads, key=lambda head: head.length)


def _public_key(identifier: str) -> Ed25519PublicKey | None:
    folder = public_keys_dir()
    path = folder / f"{identifier}.pem" if folder else None
    if path is None or not identifier.isalnum() or not path.is_file():
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    return key if isinstance(key, Ed25519PublicKey) else None


def signature_problems(session_id: int, records: Sequence[EventRecord]) -> list[str]:
    """Every signed head of the session checked: signed by a known key, and matching the chain."""
    hashes = {record.sequence: record.hash for record in records}
    problems = []
    for signed in signed_heads(session_id):
        if signed.length < 0:
            problems.append(f"a signed head in the store is {signed.signature}")
            continue
        what = f"the head of {signed.length} records signed at {signed.signed_at}"
        key = _public_key(signed.key)
        if key is None:
            problems.append(f"{what}: its key {signed.key!r} is not among the awarding body's public keys")
            continue
        try:
            key.verify(base64.b64decode(signed.signature), signed.message)
        except (InvalidSignature, ValueError):
            problems.append(f"{what}: its signature does not verify (the file was altered)")
            continue
        if signed.session != session_id:
            problems.append(f"{what} belongs to session {signed.session}")
        elif signed.length and signed.length not in hashes:
            problems.append(f"{what}: the log holds {len(records)} records, not record {signed.length} "
                            f"({'the whole log was deleted' if not records else 'records were removed'})")
        elif signed.length and hashes[signed.length] != signed.head:
            problems.append(f"{what}: record {signed.length} of the log is not the one signed "
                            "(the chain was rewritten)")
    return problems
