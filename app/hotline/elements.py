"""The five elements of an intake (who, when, where, what, how), pure.

When is the moment the order is taken and is always known. What and how
both live in the description: a description too short to say how the
matter happened is missing "how" (the length is the profile's
`intake_how_min_chars`, a rule of thumb, not a language test).
"""

def missing_elements(*, who: bool, address: str | None, region_code: str | None, has_coordinates: bool,
                     description: str, how_min_chars: int) -> list[str]:
    missing = []
    if not who:
        missing.append("who")
    if not (address or region_code or has_coordinates):
        missing.append("where")
    text = (description or "").strip()
    if not text:
        missing.append("what")
    elif len(text) < how_min_chars:
        missing.append("how")
    return missing
