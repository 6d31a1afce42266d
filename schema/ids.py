"""Opaque global ids: base64url of ``Type:uuid``, as Relay clients expect from ``node(id:)``."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID


class BadGlobalId(ValueError):
    pass


def to_global_id(type_name: str, uuid: UUID) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{uuid}".encode()).decode().rstrip("=")


def parse_global_id(global_id: str) -> tuple[str, UUID]:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode().partition(":")
        return type_name, UUID(raw)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise BadGlobalId(f"'{global_id}' is not a registry id") from error


def from_global_id(global_id: str, type_name: str) -> UUID:
    """The uuid inside ``global_id``; ``BadGlobalId`` when it is malformed or of another type."""
    found_type, uuid = parse_global_id(global_id)
    if found_type != type_name:
        raise BadGlobalId(f"'{global_id}' is the id of a {found_type}, not of a {type_name}")
    return uuid
