"""Validation against the official IATI 2.03 activity schema, shipped in ``projections/iati/xsd``.

The schema is compiled once, by libxml2 (lxml), from the package's own files: its
``xsd:include`` and ``xsd:import`` are answered by a resolver that serves only those three files,
and the parser never touches the network, never loads a DTD and never expands entities. Documents
are parsed the same way before they are validated, so a hostile file (external entities, entity
expansion) is refused rather than followed: a document type declaration is refused outright.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from lxml import etree

ACTIVITIES_SCHEMA = "iati-activities-schema.xsd"
SCHEMA_FILES = (ACTIVITIES_SCHEMA, "iati-common.xsd", "xml.xsd")
MAX_ERRORS = 20  # a report lists the first errors, not all of a broken file's


def schema_bytes(name: str) -> bytes:
    """The bytes of one shipped schema file."""
    if name not in SCHEMA_FILES:
        raise ValueError(f"{name!r} is not one of the shipped IATI schema files")
    return (files("projections.iati") / "xsd" / name).read_bytes()


def schema_digests() -> Mapping[str, str]:
    """The SHA-256 of each shipped schema file, by name."""
    return {name: hashlib.sha256(schema_bytes(name)).hexdigest() for name in SCHEMA_FILES}


def safe_parser() -> etree.XMLParser:
    """A parser that reads only what it is given: no network, no DTD, no entity expansion."""
    return etree.XMLParser(
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


class _ShippedSchemas(etree.Resolver):
    """Answers the schema's own includes and imports from the package, and nothing else."""

    # lxml-stubs 0.5 lags lxml: resolve() takes the context and resolve_empty() exists.
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        name = (system_url or "").rsplit("/", 1)[-1]
        if name in SCHEMA_FILES:
            return self.resolve_string(schema_bytes(name), context, base_url=name)
        return self.resolve_empty(context)  # type: ignore[attr-defined]


_per_thread = threading.local()
# libxml2 resolves a schema's imports through process-wide state: two threads compiling at once
# can each see the other's half-loaded xml.xsd and fail ("xml:lang does not resolve"). Compiling
# is rare (once per thread), so it is serialised; validating with a compiled schema is not.
_compiling = threading.Lock()


def activities_schema() -> etree.XMLSchema:
    """The compiled IATI 2.03 activity schema, compiled once per thread.

    Once per thread because a validator keeps the errors of its last run on itself
    (``error_log``), and lxml ties documents to the thread whose parser made them; exports are
    built on worker threads by the HTTP server.
    """
    schema: etree.XMLSchema | None = getattr(_per_thread, "schema", None)
    if schema is None:
        with _compiling:
            parser = safe_parser()
            parser.resolvers.add(_ShippedSchemas())
            document = etree.fromstring(
                schema_bytes(ACTIVITIES_SCHEMA), parser, base_url=ACTIVITIES_SCHEMA
            )
            schema = _per_thread.schema = etree.XMLSchema(document)
    return schema


@dataclass(frozen=True)
class SchemaError:
    """One reason a document is not valid IATI 2.03: where, and what libxml2 says."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class InvalidIati(ValueError):
    """A document that is not well-formed XML or not valid against the IATI 2.03 schema."""

    def __init__(self, errors: tuple[SchemaError, ...]) -> None:
        shown = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"not valid IATI 2.03: {shown}{more}")
        self.errors = errors


def schema_errors(data: bytes) -> tuple[SchemaError, ...]:
    """Why ``data`` is not a valid IATI 2.03 activities file: empty when it is one.

    Not well-formed XML gives the parser's error; a document type declaration is refused (IATI
    files have none, and it is where external entities and entity bombs live); otherwise the
    schema's first ``MAX_ERRORS`` errors.
    """
    try:
        document = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as error:
        line, column = error.position
        return (SchemaError(line, column, str(error.msg)),)
    tree: Any = document.getroottree()  # lxml-stubs 0.5 lacks DocInfo.doctype
    if tree.docinfo.doctype:
        return (SchemaError(1, 1, "a document type declaration (DOCTYPE) is not allowed"),)
    schema = activities_schema()
    try:
        if schema.validate(document):
            return ()
    except etree.XMLSchemaValidateError as error:  # libxml2 gave up on the document
        where: Any = document.sourceline  # the stubs type it loosely
        return (SchemaError(int(where or 1), 0, str(error)),)
    entries: Iterable[Any] = schema.error_log  # type: ignore[assignment]  # iterable; not in the stubs
    return tuple(
        SchemaError(entry.line, entry.column, entry.message)
        for entry in itertools.islice(entries, MAX_ERRORS)
    )


def validate(data: bytes) -> None:
    """Raise ``InvalidIati`` unless ``data`` is a valid IATI 2.03 activities file."""
    errors = schema_errors(data)
    if errors:
        raise InvalidIati(errors)


def validate_activity(activity: bytes, opening: bytes) -> None:
    """Raise ``InvalidIati`` unless one ``iati-activity`` is valid as a file of its own, under
    the document's ``opening`` tag: the schema has no constraint across activities, so a file
    whose every activity passes this is valid, and an export checks each as it writes it."""
    validate(opening + activity + b"</iati-activities>")
