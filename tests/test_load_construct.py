"""refsite.load._construct builds what PyYAML's construct_document builds, and fails where it fails.

The loader builds front-matter values itself for plain documents (mappings,
lists, text) and hands anything else to PyYAML; these documents cover both
paths, including the errors PyYAML raises part-way through a document.
"""

from __future__ import annotations

import pytest
import yaml

from refsite.load.frontmatter import _construct, _Loader

DOCS = [
    "name: Harbour Street\ncategory: primary-care\ncontacts:\n  - name: Leah Ortiz\n    role: nurse\n    phone: \"0412 000 000\"\ntags: [sports, knee]\n",
    "a: 1\nb: [1, {c: d, e: [f, !!int 3]}]\n",
    "a: !!int x\nb: {c: !!float y}\n",
    "a: {c: !!float y}\nb: !!int x\n",
    "a: [!!int x, !!float y]\nb: !!bool maybe\n",
    "<<: {a: 1}\nb: 2\n",
    "a: {<<: {x: 1}, y: 2}\n",
    "a: {<<: [1]}\n",
    "? [a]\n: 1\n",
    "? {a: 1}\n: 2\n",
    "a: !!set {x, y}\n",
    "a: !!omap [x: 1]\n",
    "!!omap [x: 1]\n",
    "a: {b: {c: {d: [1, [2, [3]]]}}}\nz: 2026-01-30\n",
    "= : 1\n",
    "a: {= : 2}\n",
    "a: 1\na: 2\nb: {x: 1, x: 2}\n",
    "1: a\ntrue: b\nnull: c\n2026-01-01: d\n0x1F: e\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!str [1]\n",
    "a: !!python/name:os.system\n",
    "a: ~\nb:\nc: ''\nd: \"\"\n",
    "a: !custom x\n",
    "a: yes\nb: No\nc: 12:30\nd: 012\ne: 2026-09-03 10:00\nf: .inf\ng: 1_000\n",
    "a: |\n  block\n  text\nb: >-\n  folded\n",
]


def _build(construct: object, text: str) -> str:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        assert isinstance(node, yaml.MappingNode) or text.startswith("!!omap")
        return repr(construct(loader, node))  # type: ignore[operator]
    except Exception as exc:  # the same failure, with the same message, is part of the contract
        return f"{type(exc).__name__}: {exc}"
    finally:
        loader.dispose()


@pytest.mark.parametrize("text", DOCS)
def test_same_values_and_failures_as_pyyaml(text: str) -> None:
    expected = _build(lambda loader, node: loader.construct_document(node), text)
    assert _build(_construct, text) == expected
