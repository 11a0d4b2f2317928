"""Per-caller actions on a shared object (like, follow, favourite, bookmark, vote, subscribe): they
change the caller's relation and some counters, not the owner's object. Judged by the owner's
re-read: when only counters or caller-relative fields moved, it is not an attack on the owner."""

from __future__ import annotations

import re
from typing import Any

from dynaguard.probe.spec.operations import Operation

_COUNTER = re.compile(
    r"(count|total|num|likes|favou?rites|followers|following|stars|votes|score|views|"
    r"bookmarks|subscribers|claps|reactions|upvotes|downvotes|karma|points|rank)$",
    re.I,
)
_CALLER_RELATIVE = re.compile(
    r"^(is_?|has_?|viewer_?|my_?)?(liked|favou?rited|following|followed|bookmarked|subscribed|"
    r"voted|starred|upvoted|downvoted|saved|pinned|watching|reacted|joined|member)$",
    re.I,
)
_TIMESTAMP = re.compile(r"(updated|modified|changed)_?(at|on|time)?$", re.I)
_MAX_DEPTH = 4


def is_relation_route(operation: Operation) -> bool:
    """`POST /posts/{id}/like`: a static last segment right after an object id."""
    parts = [part for part in operation.path.rstrip("/").split("/") if part]
    return len(parts) >= 2 and "{" not in parts[-1] and "{" in parts[-2]


def is_counter(name: str) -> bool:
    """A count or a field that says how the caller relates to the object (`favorited`)."""
    return bool(_COUNTER.search(name) or _CALLER_RELATIVE.match(name) or _TIMESTAMP.search(name))


def flatten(data: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Scalar fields by dotted path; lists are compared by length (children are not the object)."""
    found: dict[str, Any] = {}
    if depth > _MAX_DEPTH:
        return found
    if isinstance(data, dict):
        for key, value in data.items():
            found.update(flatten(value, f"{prefix}{key}.", depth + 1))
    elif isinstance(data, list):
        found[prefix + "#len"] = len(data)
    else:
        found[prefix.rstrip(".")] = data
    return found


def moved(before: Any, after: Any) -> set[str]:
    """The dotted fields whose value differs between two reads of the same object."""
    one, two = flatten(before), flatten(after)
    return {key for key in one.keys() | two.keys() if one.get(key) != two.get(key)}


def only_counters(before: Any, after: Any) -> bool:
    """Every moved field is a counter, a caller-relative flag, a timestamp or a list length."""
    for key in moved(before, after):
        leaf = key.rsplit(".", 1)[-1]
        if leaf == "#len":
            leaf = key.rsplit(".", 2)[-2] if key.count(".") >= 1 else leaf
            if leaf == "#len" or is_counter(leaf) or _is_child_list(leaf):
                continue
            return False
        if not is_counter(leaf):
            return False
    return True


def _is_child_list(name: str) -> bool:
    """Lists of per-caller relations or children under the object (likes, comments, tags)."""
    return bool(re.search(r"(comments|replies|likes|favou?rites|followers|votes|reactions)$", name))
