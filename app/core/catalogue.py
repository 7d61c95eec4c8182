"""Message catalogues kept as data: each package's `messages.yaml`, its error codes in Chinese and English.

Texts are data that translators and reviewers edit without reading Python; the reader checks what a typo in them
would otherwise only show as a wrong answer at run time: a code given twice, an entry that is not two texts, and
an English text that lacks a placeholder the Chinese one fills (or the reverse).
"""

from pathlib import Path
from string import Formatter
from typing import Any

import yaml

Catalogue = dict[str, tuple[str, str]]
SECTIONS = ("messages", "titles")


class _UniqueKeys(yaml.SafeLoader):
    """Refuses a mapping that names a key twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValueError(f"{key_node.start_mark}: {key!r} is given twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def read_catalogue(module_file: str, name: str = "messages.yaml",
                   english_only: frozenset[str] = frozenset()) -> tuple[Catalogue, Catalogue]:
    """(messages, titles) from the YAML file `name` beside `module_file`. `english_only` names the placeholders
    the English text may carry alone (the validation library's English detail about the input)."""
    path = Path(module_file).with_name(name)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys) or {}  # noqa: S506 (a SafeLoader)
    if not isinstance(data, dict) or set(data) - set(SECTIONS):
        raise ValueError(f"{path}: the sections are {', '.join(SECTIONS)}")
    tables: list[Catalogue] = []
    for section in SECTIONS:
        table: Catalogue = {}
        for code, pair in (data.get(section) or {}).items():
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) and t.strip() for t in pair)):
                raise ValueError(f"{path}: {section}.{code} is not [Chinese, English]")
            zh, en = pair
            # An English text may fill the English form of a value (`{routes_en}` for `{routes}`).
            in_zh, in_en = placeholders(zh), {p.removesuffix("_en") for p in placeholders(en)}
            if in_zh - in_en or in_en - in_zh - english_only:
                raise ValueError(f"{path}: {section}.{code} fills {sorted(placeholders(zh))} in Chinese and "
                                 f"{sorted(placeholders(en))} in English")
            table[code] = (zh, en)
        tables.append(table)
    return tables[0], tables[1]
