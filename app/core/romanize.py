"""English names for places and units, for readers who ask for English.

Chinese place names are written in English as the specific part in Hanyu Pinyin
(as one word, with an apostrophe where a syllable starting with a, o or e would
run into the one before, GB/T 16159-2012 and the State Council's rules on place
names) followed by the generic part translated: 南山区 → Nanshan District,
粤海街道 → Yuehai Subdistrict, 科技园社区 → Kejiyuan Community. A unit is named
after its place and its kind: Nanshan District Civil Affairs Bureau.
"""

from functools import lru_cache

# Longest first: 保税区 must win over 区.
_GENERIC = (
    ("特别行政区", "Special Administrative Region"), ("自治区", "Autonomous Region"), ("合作区", "Cooperation Zone"),
    ("保税区", "Free Trade Zone"), ("开发区", "Development Zone"), ("新区", "New Area"), ("居委会", "Community"),
    ("村委会", "Village"), ("街道", "Subdistrict"), ("社区", "Community"), ("省", "Province"), ("市", ""),
    ("区", "District"), ("县", "County"), ("镇", "Town"), ("乡", "Township"), ("村", "Village"),
)
_MINOR = {"and", "of", "for", "the", "in", "on"}


def pinyin_word(text: str) -> str:
    """Chinese characters as one pinyin word, capitalised; other characters kept as they are."""
    # Imported on first use: its phrase dictionary costs about 55 MB a process, and most names come from the seed.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    word = ""
    for syllable in syllables:
        if word and syllable[:1] in ("a", "o", "e") and word[-1:].isalpha():
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


_known: dict[str, str] = {}  # names romanized by another process (app/hotline/preload.py)


def remember(names: dict[str, str]) -> None:
    """English names already made (`place_name_en`) elsewhere: answered without loading pypinyin here."""
    _known.update(names)


@lru_cache(maxsize=4096)
def place_name_en(name: str) -> str:
    if (known := _known.get(name)) is not None:
        return known
    for generic, english in _GENERIC:
        if name.endswith(generic) and len(name) > len(generic):
            specific = pinyin_word(name[: -len(generic)])
            return f"{specific} {english}" if english else specific
    return pinyin_word(name)


def title_case(text: str) -> str:
    words = text.split()
    return " ".join(w if (i and w in _MINOR) or not w[:1].isalpha() else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


@lru_cache(maxsize=8192)
def unit_name_en(place_en: str, kind_en: str) -> str:
    """Nanshan District + District government -> Nanshan District Government (the generic word said once)."""
    kind = title_case(kind_en)
    last = place_en.rsplit(" ", 1)[-1]
    if kind.split(" ", 1)[0] == last:
        kind = kind.split(" ", 1)[1] if " " in kind else ""
    return f"{place_en} {kind}".strip()
