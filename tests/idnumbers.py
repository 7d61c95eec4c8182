"""Identity numbers made for tests (GB 11643): the check character is computed here, from the standard's weights,
never copied from a real person's number."""

from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11, ISO 7064 MOD 11-2
CHECK = "10X98765432"


def check_character(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def make_id(area: str, birth: date, *, seq: int = 1, male: bool = True) -> str:
    """An 18-character number for someone born on `birth` whose number was first issued in `area`."""
    order = seq * 2 + (1 if male else 0)  # the 17th digit: odd for men, even for women
    first17 = f"{area}{birth:%Y%m%d}{order:03d}"[:17] if order < 1000 else None
    assert first17 is not None and len(first17) == 17
    return first17 + check_character(first17)


def make_15(area: str, birth: date, *, seq: int = 1, male: bool = True) -> str:
    """A first-generation number: 6-digit area, yymmdd, 3-digit sequence, no check character."""
    order = seq * 2 + (1 if male else 0)
    return f"{area}{birth:%y%m%d}{order:03d}"
