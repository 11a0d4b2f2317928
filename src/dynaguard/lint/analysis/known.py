"""Values known without reading their code: calls of libraries and builtins (key generators,
converters, decoders, sealers, sanitizers, model dumps, a request's body readers) and the parts
of a request object (its principal-bearing attributes)."""

from __future__ import annotations

import ast
import re

from dynaguard.lint.analysis import bodies, keys
from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.taint import CLEAN, Spread, Taint
from dynaguard.lint.models.evaluator import Evaluator
from dynaguard.lint.models.libraries import libcalls

_CONVERTERS = frozenset({"int", "float", "bool", "UUID", "uuid.UUID", "Decimal", "UUID4"})
_DECODERS = frozenset(
    {"loads", "b64decode", "urlsafe_b64decode", "b32decode", "decodebytes", "literal_eval"}
)
_SEALERS = re.compile(r"unseal|verif|decrypt|sign|hmac|authenticat", re.IGNORECASE)
_SANITIZERS = re.compile(r"valid|saniti[sz]e|ensure_|safe_|check_id|parse_id", re.IGNORECASE)
_DUMPERS = frozenset({"model_dump", "dict", "jsonable_encoder", "vars", "asdict"})
_BODY_READERS = frozenset({"json", "form", "body"})
_PRINCIPAL_ATTRS = frozenset({"state", "user", "auth", "session", "scope"})
MESSAGE_CALLS = frozenset(
    {
        "HTTPException",
        "print",
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "JSONResponse",
        "PlainTextResponse",
    }
)
"""Calls whose arguments are messages for people (errors, logs), not keys."""


def attribute(flow: Evaluator, node: ast.Attribute, base: Taint) -> Taint | None:
    """`request.path_params` is the client's, `request.state`/`request.user` the principal's;
    `body.__dict__` is the body spread whole. None when nothing is known of the attribute."""
    if base.request_object:
        if node.attr == "app":
            return CLEAN
        if node.attr in _PRINCIPAL_ATTRS:
            flow.ctx.principal_seen = True
            return Taint(principal=True)
        return Taint(origins=base.origins)
    if node.attr == "__dict__" and bodies.is_model(base):
        return bodies.dump(flow, base, [])
    return None


def library_call(
    flow: Evaluator,
    node: ast.Call,
    name: str,
    receiver: Taint,
    args: list[Taint],
    joined: Taint,
    returns_receiver: bool,
) -> Taint | None:
    """The value of a call known by name; None to follow it into the tree. `returns_receiver`
    is the interpreter's answer for Python's own containers (`body.items()`)."""
    if returns_receiver:
        return receiver
    if receiver.request_object and name in _BODY_READERS:
        return Taint(origins=receiver.origins, spread=Spread("request body", None))
    if name in _DUMPERS and (bodies.is_model(receiver) or (node.args and bodies.is_model(args[0]))):
        source = receiver if bodies.is_model(receiver) else args[0]
        return bodies.dump(flow, source, node.keywords)
    key = keys.joined(flow, node, name)
    if key is not None:
        return key
    if name == "update" and isinstance(node.func, ast.Attribute) and node.args:
        bodies.update_call(flow, node.func.value, node.args[0])
    if name in _CONVERTERS:
        return Taint(joined.origins, joined.principal, joined.reads, delim_safe=True)
    if _SEALERS.search(name):
        return Taint(principal=joined.principal)
    if name in _DECODERS or name == "decode":
        return Taint(joined.origins, joined.principal, joined.reads, decoded=True)
    if _SANITIZERS.search(name):
        return Taint(joined.origins, joined.principal, joined.reads, delim_safe=True)
    return None


def generates_key(node: ast.Call, name: str) -> bool:
    """`uuid4()`, `secrets.token_hex()`...: a server-generated value, never the client's."""
    receiver = call_name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
    return libcalls.generates_key(name, receiver)
