"""``record_digest`` for a batch of records of one table: the same digests, made faster.

A sweep digests thousands of timers and messages that share many values: the batch's time, a
firing's context. ``BatchDigests`` encodes each field's value on its own, exactly as the
canonical encoder does inside the record, and keeps each field's last time or container with
its encoding, so a value that consecutive records share is encoded once; it then joins the
fields in the canonical (sorted) order and hashes them. A value is known by its identity, so
the records must not change while the batch is digested.

Not for people: their date of birth and contact details follow rules of their own
(``pathways.record_digests``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from typing import Any, Literal

from pathways.commitments import committed
from pathways.record_digests import _AS_STORED, _CANONICAL, COVERED, _committed_leaves, _plain

Part = Literal["table", "stored", "personal", "personal_json"]


class BatchDigests:
    def __init__(self, table: str) -> None:
        if table == "person":
            raise ValueError("a person's digest has rules of its own: use record_digest")
        spec = COVERED[table]
        parts: dict[str, Part] = {"table": "table"}
        parts.update(dict.fromkeys(spec.fields, "stored"))
        parts.update(dict.fromkeys(spec.personal, "personal"))
        parts.update(dict.fromkeys(spec.personal_json, "personal_json"))
        self._table = encode_basestring_ascii(table)
        self._fields = [
            (name, parts[name], encode_basestring_ascii(name) + ":") for name in sorted(parts)
        ]
        self._last: dict[str, tuple[Any, str]] = {}
        """Each field's last time or container, with its encoding."""

    def digest(self, values: Mapping[str, Any], salt: str, key: bytes | None = None) -> str:
        """``record_digest(table, values, salt, key)``."""
        stored = self._stored
        encoded = []
        for name, part, label in self._fields:
            if part == "stored":
                value = values[name]
                kind = type(value)
                # Most fields are text, numbers or missing: written here without a call.
                if kind is str:
                    encoded.append(label + encode_basestring_ascii(value))
                elif kind is int:
                    encoded.append(label + int.__repr__(value))
                elif value is None:
                    encoded.append(label + "null")
                else:
                    encoded.append(stored(name, label, value))
            elif part == "table":
                encoded.append(label + self._table)
            elif part == "personal":
                encoded.append(label + encode_basestring_ascii(committed(values[name], salt, key)))
            else:
                leaves = _committed_leaves(values[name], salt, key)
                encoded.append(label + _CANONICAL.encode(leaves))
        material = "{" + ",".join(encoded) + "}"
        return "sha256:" + hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _stored(self, name: str, label: str, value: Any) -> str:
        kind = type(value)
        # What the canonical encoder writes for each scalar type, without a call into it.
        if kind is bool:
            return label + ("true" if value else "false")
        if kind is float:
            return label + _CANONICAL.encode(value)
        last = self._last.get(name)
        if last is not None and last[0] is value:
            return last[1]
        plain = value if kind in _AS_STORED else _plain(value)
        if type(plain) is str:
            encoded = label + encode_basestring_ascii(plain)
        else:
            encoded = label + _CANONICAL.encode(plain)
        self._last[name] = (value, encoded)
        return encoded
