"""The key file: the keys that encrypt every payload Fairway writes to Temporal.

The file is JSON, {"current": "k2", "keys": {"k1": "<base64 of 32 bytes>", "k2": "…"}}. New
payloads are encrypted with the current key; every key listed still decrypts what it wrote, so
rotation is adding a key and making it current, and a key leaves the file only once no history
holds a payload it wrote. It is read strictly, like the token file: a mistake stops the worker
or the API at start-up with a message naming it, and no message quotes key material.

`python -m fairway.keys new FILE` writes a file with one fresh key; `python -m fairway.keys
rotate FILE` adds a fresh key to one and makes it current.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fairway.private_files import create_private_file, private_dir
from fairway.settings import Settings

KEY_BYTES = 32  # AES-256
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class KeyFileError(ValueError):
    """The key file cannot be used; the message says why, without quoting a key."""


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]

    def rotated(self) -> KeyRing:
        """This ring with a fresh key added and made current: older payloads stay readable."""
        number = len(self.keys) + 1
        while f"k{number}" in self.keys:
            number += 1
        new_id = f"k{number}"
        return KeyRing(current=new_id, keys={**self.keys, new_id: secrets.token_bytes(KEY_BYTES)})

    def to_json(self) -> str:
        keys = {key_id: base64.b64encode(key).decode() for key_id, key in self.keys.items()}
        return json.dumps({"current": self.current, "keys": keys}, indent=2) + "\n"


def derived_key(key: bytes, purpose: str) -> bytes:
    """A key for one purpose (a payload tier, browser sessions, CSRF tokens), derived from a key
    file's key with HKDF, so that the file stays one list of keys and rotates as one."""
    return HKDF(SHA256(), length=KEY_BYTES, salt=None, info=f"fairway {purpose}".encode()).derive(key)


def derived_cipher(key: bytes, purpose: str) -> AESGCM:
    return AESGCM(derived_key(key, purpose))


def fresh_ring() -> KeyRing:
    return KeyRing(current="k1", keys={"k1": secrets.token_bytes(KEY_BYTES)})


def key_ring(settings: Settings) -> KeyRing:
    """The keys the settings name. There is no default key: without one, nothing starts."""
    if settings.encryption_key_file is None:
        raise KeyFileError(
            "FAIRWAY_ENCRYPTION_KEY_FILE is required: payloads in Temporal are encrypted and "
            "there is no default key (see docs/operations.md, 'Encryption keys')"
        )
    return read_key_file(settings.encryption_key_file)


def read_key_file(path: Path) -> KeyRing:
    try:
        return _ring(_document(path))
    except KeyFileError as err:
        raise KeyFileError(f"key file {path}: {err}") from None


def write_dev_keys(path: Path) -> Path:
    """The key file `fairway dev` uses: made once, readable by its owner only, then kept (the dev
    server's history needs the same keys on the next start)."""
    private_dir(path.parent)
    create_private_file(path, fresh_ring().to_json())
    return path


def replace_key_file(path: Path, ring: KeyRing) -> None:
    """Write `ring` over the file at `path` in one step, owner-only from the first byte."""
    staged = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    create_private_file(staged, ring.to_json())
    os.replace(staged, path)


def _document(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as err:
        raise KeyFileError(f"cannot be read ({getattr(err, 'strerror', None) or err})") from None
    except json.JSONDecodeError as err:
        raise KeyFileError(f"not valid JSON (line {err.lineno})") from None
    if not isinstance(found, dict) or found.keys() != {"current", "keys"}:
        raise KeyFileError('expected one JSON object, {"current": "<key id>", "keys": {...}}')
    return found


def _ring(document: dict[str, Any]) -> KeyRing:
    listed, current = document["keys"], document["current"]
    if not isinstance(listed, dict) or not listed:
        raise KeyFileError('"keys" must be an object holding at least one key')
    keys = {key_id: _key(key_id, value) for key_id, value in listed.items()}
    if not isinstance(current, str) or current not in keys:
        raise KeyFileError('"current" must be the id of one of the keys listed')
    return KeyRing(current=current, keys=keys)


def _key(key_id: str, value: Any) -> bytes:
    if not KEY_ID.fullmatch(key_id):
        raise KeyFileError(f"key id {key_id[:64]!r}: 1 to 64 letters, digits and . _ -")
    try:
        key = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except binascii.Error:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"key {key_id}: expected the base64 of {KEY_BYTES} random bytes")
    return key


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("new", "rotate"):
        print("usage: python -m fairway.keys new|rotate FILE", file=sys.stderr)
        return 2
    command, path = argv[0], Path(argv[1])
    if command == "new":
        if not create_private_file(path, fresh_ring().to_json()):
            print(f"{path} exists: rotate it instead", file=sys.stderr)
            return 1
        print(f"wrote {path}")
        return 0
    ring = read_key_file(path).rotated()
    replace_key_file(path, ring)
    print(f"{path}: added key {ring.current}, now current; restart every worker and API with it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
