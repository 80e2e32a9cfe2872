"""The YAML safety layer: front matter to plain values with the line of every key.

Duplicate keys, anchors and aliases, exotic tags and YAML 1.1 traps are caught on the
node tree; plain values are built directly (no generic constructor).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml

from refsite.problems import Problem, Source, error

try:  # libyaml is ten times faster; the results are identical
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader


class _Loader(_BaseLoader):
    """PyYAML's safe loader, except that dates stay text: refsite parses them itself, with its own messages."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _BaseLoader.construct_yaml_str)

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "int", "float", "bool", "null", "timestamp"))


def _fast_resolve(self: Any, kind: Any, value: Any, implicit: Any) -> Any:
    """``BaseResolver.resolve`` for a loader with implicit resolvers by first character only and no path
    resolvers (PyYAML's safe loader, checked below): the same tag, without its per-call list building.
    libyaml calls it once for every scalar (most of the front matter's Python time in YAML)."""
    if kind is yaml.ScalarNode:
        if implicit[0]:
            for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):  # '' for the empty value
                if regexp.match(value):
                    return tag
        return _STR
    return _BaseResolve(self, kind, value, implicit)


_BaseResolve = _BaseLoader.resolve
if None not in _Loader.yaml_implicit_resolvers and not _Loader.yaml_path_resolvers:
    _Loader.resolve = _fast_resolve
# The first characters of plain scalars the implicit resolvers read as a tag outside _PLAIN_TAGS ('<<' merge,
# '=' value, '!', '&', '*'): front matter holding none of them, and no '!' (every explicit tag starts with
# one), has only plain tags, so that _exotic_tags has nothing to find. None: some resolver matches any scalar.
_EXOTIC_STARTS: frozenset[str | None] = frozenset(
    first for first, resolvers in _Loader.yaml_implicit_resolvers.items()
    if any(tag not in _PLAIN_TAGS for tag, _ in resolvers)
) | {"!"}


@dataclass
class Mapping_:
    """A parsed YAML mapping with the 1-based line of each key and the node of each value."""

    data: dict[str, Any]
    lines: dict[str, int]
    nodes: dict[str, yaml.Node]


def _walk_duplicates(node: yaml.Node, display: str, offset: int, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + offset
            if key in seen:
                problems.append(
                    error(Source(display, line), f"duplicate key '{key}' (first on line {seen[key]}): YAML keeps only the last one, so remove one", check="yaml")
                )
            else:
                seen[key] = line
            _walk_duplicates(value_node, display, offset, problems)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk_duplicates(item, display, offset, problems)


def _plain_tags_only(text: str) -> bool:
    """True when no node of ``text`` can carry a tag outside _PLAIN_TAGS (see _EXOTIC_STARTS)."""
    return None not in _EXOTIC_STARTS and not any(first in text for first in _EXOTIC_STARTS if first)


def _shallow(text: str) -> bool:
    """True when the tree of ``text`` is less than 400 collections deep, so that the recursive walks
    (:func:`_walk_duplicates`, :func:`_exotic_tags`) cannot run out of stack on it: each level of
    nesting needs a '[', '{', '-' or '?', or more indentation than the level above."""
    if len(text) < 400:
        return True
    bound = text.count("[") + text.count("{") + text.count("-") + text.count("?")
    return bound < 400 and bound + max(len(line) - len(line.lstrip()) for line in text.split("\n")) < 400


def _exotic_tags(node: yaml.Node) -> yaml.Node | None:
    """The first node with a tag outside plain YAML (!!set, !!binary, !!omap, custom tags), if any."""
    if node.tag not in _PLAIN_TAGS:
        return node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found = _exotic_tags(key) or _exotic_tags(value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _exotic_tags(item)
            if found is not None:
                return found
    return None
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_REWRITTEN_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _NotPlain(Exception):
    """A document that _construct leaves to PyYAML's own constructor."""


def _construct(loader: Any, root: yaml.Node) -> Any:
    """What ``loader.construct_document(root)`` returns, three times faster for plain documents.

    PyYAML builds values through a generic, generator-based constructor; front
    matter is plain mappings, lists and text. This builds those directly, in
    PyYAML's own order (breadth first, so that a value that cannot be built
    fails where it would fail there), hands every other scalar to PyYAML's
    constructor, and hands the whole document back to PyYAML at the first node
    it does not handle (merge keys, complex keys, tagged collections).
    """
    return _construct_noting_duplicates(loader, root)[0]


def _construct_noting_duplicates(loader: Any, root: yaml.Node) -> tuple[Any, bool]:
    """:func:`_construct`, and whether a mapping may repeat a key (False: :func:`_walk_duplicates` would find none).

    A mapping whose keys are all plain text has a repeated key exactly when the dictionary built
    from it is shorter than the mapping; any other key, and any document PyYAML builds, may."""
    try:
        return _construct_plain(loader, root)
    except _NotPlain:
        return loader.construct_document(root), True


def _construct_plain(loader: Any, root: yaml.Node) -> tuple[Any, bool]:
    construct = loader.construct_object
    scalar, sequence, mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    def value_of(node: yaml.Node) -> Any:
        kind = type(node)
        if kind is scalar:
            tag = node.tag
            # a timestamp stays text (_Loader's constructor for it returns the scalar's value)
            return node.value if tag == _STR or tag == _TIMESTAMP else construct(node)
        if kind is sequence and node.tag == _SEQ:
            items: list[Any] = []
            pending.append((items, node))
            return items
        if kind is mapping and node.tag == _MAP:
            entries: dict[Any, Any] = {}
            pending.append((entries, node))
            return entries
        raise _NotPlain

    pending: deque[tuple[Any, yaml.Node]] = deque()
    top = value_of(root)
    repeats = False
    while pending:
        data, node = pending.popleft()
        if type(data) is list:
            data.extend([value_of(child) for child in node.value])
            continue
        for key_node, _ in node.value:
            if type(key_node) is not scalar or key_node.tag in _REWRITTEN_KEYS:
                raise _NotPlain
        for key_node, value_node in node.value:
            if key_node.tag == _STR:
                key = key_node.value
            else:
                key = construct(key_node)
                repeats = True  # '1' and 1: two keys built, one key as written
            if not isinstance(key, Hashable):  # pragma: no cover - no safe scalar constructor makes one
                raise _NotPlain
            data[key] = value_of(value_node)
        if len(data) != len(node.value):
            repeats = True
    loader.constructed_objects = {}
    return top, repeats


def parse_yaml_mapping(text: str, display: str, offset: int) -> tuple[Mapping_ | None, list[Problem]]:
    """Parse YAML text that should hold a mapping. ``offset`` turns 0-based node lines into file lines."""
    problems: list[Problem] = []
    if "&" in text or "*" in text:  # only then can there be anchors or aliases: check before building anything
        try:
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    problems.append(
                        error(Source(display, event.start_mark.line + offset),
                              "YAML anchors and aliases (&name, *name) are not allowed in records; "
                              "write the value out, or quote text that starts with & or *", check="yaml")
                    )
                    return None, problems
        except yaml.YAMLError:
            pass  # reported below with its position
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Mapping_({}, {}, {}), []
        if not isinstance(node, yaml.MappingNode):
            return None, [error(Source(display, node.start_mark.line + offset), "front matter must be a mapping of 'key: value' lines", check="yaml")]
        odd = [k for k, _ in node.value if k.tag != _STR]
        if odd:
            return None, [
                error(Source(display, k.start_mark.line + offset), f"key '{k.value}' is not a name: YAML reads it as "
                      f"{k.tag.rsplit(':', 1)[-1]}; use one of the documented keys", check="yaml")
                for k in odd
            ]
        shallow = _shallow(text)
        if not shallow:  # the walks below may run out of stack: in this order, as they always ran
            _walk_duplicates(node, display, offset, problems)
        exotic = None if shallow and _plain_tags_only(text) else _exotic_tags(node)
        if exotic is not None:
            return None, [error(Source(display, exotic.start_mark.line + offset),
                                f"YAML tag '{exotic.tag}' is not allowed in records: write plain text, lists and mappings", check="yaml")]
        data, repeats = _construct_noting_duplicates(loader, node)
        if repeats and shallow:  # (a repeated key is said only when everything else could be read)
            _walk_duplicates(node, display, offset, problems)
    except (ValueError, TypeError, RecursionError) as exc:  # a constructor refused a value
        return None, [error(Source(display, offset), f"invalid YAML: {exc}", check="yaml")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + offset if mark is not None else offset
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {what}" + (f" ({context})" if context else "")
        return None, [error(Source(display, line), message, check="yaml")]
    finally:
        loader.dispose()
    lines = {str(k.value): k.start_mark.line + offset for k, _ in node.value}
    nodes = {str(k.value): v for k, v in node.value}
    return Mapping_({str(k): v for k, v in data.items()}, lines, nodes), problems
