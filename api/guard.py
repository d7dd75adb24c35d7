"""The request guard: what every request must be before any route reads it.

One ASGI layer in front of the app refuses a body over the size limit (413), a body that is not
UTF-8 JSON or nests too deep (400), or, sent as a form (the sign-in page), not URL-encoded UTF-8,
and control characters anywhere in text: the path, the query, a JSON key or value, a form
field (422). PostgreSQL refuses NUL in text, so a NUL that reached a
workflow would make its projection fail for ever; refusing it here keeps every value one
register can store storable by the other.

The same rule is written into the OpenAPI document (`document`): every free-text string
carries `TEXT_PATTERN`, so what the schema allows is what the guard lets through.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# C0 controls but tab, line feed and carriage return (free text keeps its lines), DEL, C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
# A path, a query parameter or a key is one line: no tab, line feed or carriage return either.
LINE_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
LINE_PATTERN = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
MAX_DEPTH = 32  # the deepest request body Fairway takes is 4 levels
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --- the rules, as pure functions -----------------------------------------------------------------


def check_text(value: str, where: str, one_line: bool = False) -> None:
    """Text a register can store: no control characters, no lone surrogates."""
    if (LINE_CONTROL_CHARACTERS if one_line else CONTROL_CHARACTERS).search(value):
        raise Refused(422, "control_character", f"{where}: control characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(422, "invalid_text", f"{where}: not valid Unicode text") from None


def check_path(path: str) -> None:
    check_text(path, "path", one_line=True)


def check_query(query_string: bytes) -> None:
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Refused(400, "invalid_query", "the query string is not UTF-8") from None
    for name, value in pairs:
        check_text(name, "query parameter name", one_line=True)
        check_text(value, f"query parameter {_printable(name)}", one_line=True)


def nesting_depth(text: str) -> int:
    """How deep a JSON text nests, counted without parsing (so a hostile body cannot exhaust
    the parser's recursion first)."""
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def check_body(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Refused(400, "body_not_utf8", f"the body is not UTF-8 (byte {err.start})") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise Refused(400, "body_too_deep", f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(text)
    except ValueError as err:
        position = getattr(err, "pos", None)
        where = f" at character {position}" if position is not None else ""
        raise Refused(400, "invalid_json", f"the body is not JSON{where}") from None
    check_values(document, [])


def check_form(body: bytes) -> None:
    """A browser form's body (the sign-in page's): URL-encoded UTF-8 text, each field one rule."""
    try:
        fields = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Refused(400, "body_not_utf8", "the form is not URL-encoded UTF-8") from None
    for name, value in fields:
        check_text(name, "form field name", one_line=True)
        check_text(value, f"form field {_printable(name)}")


def check_values(value: Any, loc: list[str]) -> None:
    """Every key and string in a JSON document, named by where it is (`defendant.name`)."""
    if isinstance(value, str):
        check_text(value, ".".join(loc) or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, ".".join(loc) or "body", one_line=True)
            check_values(item, [*loc, _printable(key)])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_values(item, [*loc, str(index)])


def _printable(key: str) -> str:
    """A key as it may appear in a message: never raw control characters or unbounded length."""
    return key[:60] if not LINE_CONTROL_CHARACTERS.search(key) else "?"


# --- the ASGI layer -----------------------------------------------------------------------------


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_path(_path(scope))
            check_query(scope.get("query_string", b""))
            self._check_declared_length(scope)
            body = await self._read_body(receive)
            if body and _is_form(scope):
                check_form(body)
            elif body:
                check_body(body)
        except UnicodeDecodeError:
            await _refuse(Refused(400, "invalid_path", "the path is not UTF-8"), send)
            return
        except Refused as refused:
            await _refuse(refused, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_declared_length(self, scope: Scope) -> None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                raise self._too_large()

    async def _read_body(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client went away: the app sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> Refused:
        return Refused(413, "body_too_large", f"the body is larger than {self.max_body_bytes} bytes")


def _is_form(scope: Scope) -> bool:
    return any(
        name == b"content-type" and value.startswith(b"application/x-www-form-urlencoded")
        for name, value in scope.get("headers", ())
    )


def _path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return unquote(raw.decode("latin-1"), errors="strict") if raw else scope["path"]


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(refused: Refused, send: Send) -> None:
    body = json.dumps({"code": refused.code, "message": refused.message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if refused.status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --- the same rule in the OpenAPI document ------------------------------------------------------


def document(schema: dict) -> dict:
    """Give every free-text string in the document the pattern the guard enforces: text in
    bodies may hold lines, parameters may not."""
    _mark_text(schema.get("components", {}).get("schemas", {}), TEXT_PATTERN)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                _mark_text(parameter.get("schema", {}), LINE_PATTERN)
    return schema


def _mark_text(node: Any, pattern: str) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"pattern", "format", "enum", "const"} & node.keys()):
            node["pattern"] = pattern
        for value in node.values():
            _mark_text(value, pattern)
    elif isinstance(node, list):
        for item in node:
            _mark_text(item, pattern)
