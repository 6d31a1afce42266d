"""Text the registry cannot store is the client's error: HTTP 400 before anything runs.

PostgreSQL's ``text`` holds no NUL character, and UTF-8 has no lone surrogates: such a value in
a filter, a cursor or an idempotency key used to reach a driver and fail there, an "Internal
error" to the client. So every string of a request is checked before execution: the literal
arguments (walking the parsed document, where escapes are already decoded, not its raw text)
and the variables; headers are checked by ``StorableHeaders``. Each refusal names the value at
fault and carries the code ``INVALID_TEXT``, which the view answers with HTTP 400.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from schema.limits import CACHED_DOCUMENTS, MAX_CACHED_DOCUMENT, parse_document

CODE = "INVALID_TEXT"
_NUL = "\x00"
_SHOWN_PATH_PARTS = 8  # a path into deeply nested variables is shortened in the message
# Header values are bytes; RFC 9110 allows none of the control characters but tab in them.
_HEADER_CONTROLS = frozenset(range(0x20)) - {0x09} | {0x7F}

Path = tuple[str | int, ...]


def unstorable(text: str) -> str | None:
    """What makes ``text`` impossible to store, or None when it can be stored."""
    if _NUL in text:
        return "a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (half of a UTF-16 pair, not a character)"
    return None


def find_unstorable(value: object) -> tuple[Path, str] | None:
    """The path to the first string in ``value`` (keys included) that cannot be stored.

    Iterative: JSON variables may nest as deeply as the JSON parser allowed.
    """
    stack: list[tuple[Path, object]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if (problem := unstorable(item)) is not None:
                return path, problem
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and (problem := unstorable(key)) is not None:
                    return (*path, key), f"{problem} in a key"
                stack.append(((*path, str(key)), child))
        elif isinstance(item, Sequence) and not isinstance(item, bytes):
            stack.extend(((*path, index), child) for index, child in enumerate(item))
    return None


def _shown(path: Path) -> str:
    parts = [str(part) for part in path]
    if len(parts) > _SHOWN_PATH_PARTS:
        parts = [*parts[:_SHOWN_PATH_PARTS], "..."]
    return ".".join(parts)


def _refusal(message: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(
        f"{message}, which the registry cannot store: remove it.",
        nodes=nodes,
        extensions={"code": CODE},
    )


class _Literals(Visitor):
    """Collects the string literals of a document with the name they are given to."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, StringValueNode]] = []
        self._names: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
        self._names.append(node.name.value)

    def leave_argument(self, *_args: object) -> None:
        self._names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_args: object) -> None:
        self._names.append(node.name.value)

    def leave_object_field(self, *_args: object) -> None:
        self._names.pop()

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: object) -> None:
        self._names.append("$" + node.variable.name.value)  # its default value

    def leave_variable_definition(self, *_args: object) -> None:
        self._names.pop()

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        self.found.append((".".join(self._names) or "a value", node))


def literal_errors(document: DocumentNode) -> Iterator[GraphQLError]:
    literals = _Literals()
    visit(document, literals)
    for name, node in literals.found:
        if (problem := unstorable(node.value)) is not None:
            yield _refusal(f"The argument {name} holds {problem}", [node])


def query_literal_errors(query: str | None, document: DocumentNode) -> Sequence[GraphQLError]:
    """``literal_errors`` of ``document``, the parse of ``query``: cached like the parse itself.

    Walking the document cost a tenth of a compiled read's server time; its answer depends on
    the text alone, so a document the parse cache holds is walked once.
    """
    if query is not None and len(query) <= MAX_CACHED_DOCUMENT:
        return _cached_literal_errors(query)
    return tuple(literal_errors(document))


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _cached_literal_errors(query: str) -> tuple[GraphQLError, ...]:
    return tuple(literal_errors(parse_document(query)))  # the parse cache's own document


def variable_errors(variables: Mapping[str, object] | None) -> Iterator[GraphQLError]:
    found = find_unstorable(variables or {})
    if found is not None:
        path, problem = found
        yield _refusal(f"The variable ${_shown(path)} holds {problem}")


class StorableInput(SchemaExtension):
    """Refuse a request whose arguments or variables hold text that cannot be stored.

    List it after ``ValidationCache``: that extension sets the validation errors outright, and
    would drop a refusal made before it.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:
            literals = query_literal_errors(context.query, document)
            errors = [*literals, *variable_errors(context.variables)][:1]
            if errors:
                context.pre_execution_errors = errors
        yield


def invalid_text_status(response_data: Mapping[str, Any] | Sequence[Any]) -> int | None:
    """400 for a GraphQL response refused here, else None (the view decides)."""
    responses = [response_data] if isinstance(response_data, Mapping) else response_data
    for response in responses:
        for error in response.get("errors") or ():
            extensions = error.get("extensions") if isinstance(error, Mapping) else None
            if isinstance(extensions, Mapping) and extensions.get("code") == CODE:
                return 400
    return None


class StorableHeaders:
    """Refuse a request (HTTP or WebSocket) with a control character in a header value.

    uvicorn's parsers already refuse most of them; this keeps the promise under any server
    (and under the test client, which parses nothing).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if not _HEADER_CONTROLS.isdisjoint(value):
                await self._refuse(name.decode("latin-1"), scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(name: str, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The header {name[:64]} holds a control character: remove it."
        if scope["type"] == "websocket":
            # Before the handshake is accepted, a close is an HTTP 403 to the client.
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
            return
        body = {"errors": [{"message": message, "extensions": {"code": CODE}}]}
        await JSONResponse(body, status_code=400)(scope, receive, send)
