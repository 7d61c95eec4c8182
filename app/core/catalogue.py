"""Message catalogues kept as data: each package's `messages.yaml`, its error codes in Chinese and English.

Texts are data that translators and reviewers edit without reading Python; the reader checks what a typo in them
would otherwise only show as a wrong answer at run time: a code given twice, an entry that is not two texts, and
an English text that lacks a placeholder the Chinese one fills (or the reverse).
"""

from pathlib import Path
from string import Formatter

import yaml

Catalogue = dict[str, tuple[str, str]]
SECTIONS = ("messages", "titles")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where PyYAML was built with it


def _refuse_repeated_keys(node: yaml.Node, path: Path) -> None:
    """PyYAML keeps the last of two equal keys silently; a code given twice is a mistake to name."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                raise ValueError(f"{path}:{key.start_mark.line + 1}: {key.value!r} is given twice")
            seen.add(key.value)
            _refuse_repeated_keys(value, path)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def read_catalogue(module_file: str, name: str = "messages.yaml",
                   english_only: frozenset[str] = frozenset()) -> tuple[Catalogue, Catalogue]:
    """(messages, titles) from the YAML file `name` beside `module_file`. `english_only` names the placeholders
    the English text may carry alone (the validation library's English detail about the input)."""
    path = Path(module_file).with_name(name)
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=_LOADER)
    if root is not None:
        _refuse_repeated_keys(root, path)
    data = yaml.load(text, Loader=_LOADER) or {}  # noqa: S506 (a safe loader)
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
