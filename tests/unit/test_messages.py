"""Every error code the code can raise has a Chinese and an English message."""

import re
from pathlib import Path

from app.core.field_messages import FIELD_MESSAGES
from app.registry import message_catalogue

MESSAGES = message_catalogue()

RAISED = re.compile(r"""(?:AppError|NotFound|Forbidden|Conflict|LifecycleError)\(\s*["']([a-z_]+)["']""")


def test_every_raised_code_has_both_messages():
    codes = set()
    for path in Path("app").rglob("*.py"):
        codes |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    assert len(codes) > 50  # the scan found the codes, not nothing
    missing = sorted(c for c in codes if c not in MESSAGES)
    assert missing == []
    assert all(zh and en and zh != en for zh, en in (MESSAGES[c] for c in codes))


def test_a_title_never_shows_a_template_placeholder():
    from app.core.errors import title

    raw = sorted(code for code in MESSAGES for english in (False, True) if "{" in title(code, english))
    assert raw == []


# A field error's code: `"code": "x"` in a field_errors entry, `invalid("x")` in a request model's check, or the
# f-string family of the five elements of a hotline order (element_who ... element_how).
FIELD_CODE = re.compile(r"""(?:["']code["']:\s*|invalid\(\s*)["']([a-z_]+)["']""")
ELEMENTS = ("element_who", "element_where", "element_what", "element_how")
NOT_ERRORS = {"anonymous", "work_order_type"}  # Open311's service attribute codes, written the same way


def test_every_field_error_code_has_both_messages():
    codes = set(ELEMENTS)
    for path in Path("app").rglob("*.py"):
        codes |= set(FIELD_CODE.findall(path.read_text(encoding="utf-8")))
    assert len(codes) > 40 and "coordinates_paired" in codes  # the scan found the codes, not nothing
    missing = sorted(c for c in codes - NOT_ERRORS if c not in MESSAGES and c not in FIELD_MESSAGES)
    assert missing == []


def test_every_validation_error_type_has_both_languages_and_only_its_own_placeholders():
    """The validation library's whole list of error types, compared with the table: a new type in a new release
    fails here rather than reaching a client in the library's English."""
    from pydantic_core._pydantic_core import list_all_errors

    types = {e["type"]: set(e.get("example_context") or {}) for e in list_all_errors()}
    assert len(types) > 100
    assert sorted(set(types) - set(FIELD_MESSAGES)) == []
    for kind, context in types.items():
        zh, en = FIELD_MESSAGES[kind]
        assert zh and en, kind
        assert re.search(r"[\u4e00-\u9fff]", zh) or zh == "{error}", kind  # the Chinese text is Chinese
        assert not re.search(r"[\u4e00-\u9fff]", en), kind
        for text in (zh, en):
            assert set(re.findall(r"{(\w+)}", text)) <= context, (kind, text)


def test_no_request_model_raises_a_bare_value_error():
    """A request model's check raises `invalid(code)`, whose text is in the catalogue in both languages; a bare
    ValueError's text would reach the client in one language only."""
    offenders = [f"{path}:{n}" for path in Path("app").rglob("schemas.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "raise ValueError" in line]
    assert offenders == []


def test_every_package_keeps_its_codes_as_data_and_the_catalogue_holds_them_all():
    from app.core import catalogue

    files = sorted(Path("app").glob("*/messages.yaml"))
    assert len(files) > 20
    codes = [code for path in files for code in catalogue.read_catalogue(str(path.with_suffix(".py")))[0]]
    assert len(codes) == len(set(codes))  # no code in two packages
    assert set(codes) <= set(MESSAGES)


def test_a_catalogue_with_a_typo_is_refused_when_it_is_read(tmp_path):
    import pytest

    from app.core.catalogue import read_catalogue

    module = str(tmp_path / "messages.py")
    good = 'messages:\n  seat_taken: ["座位 {seat} 已被占用", "Seat {seat} is taken"]\n'
    (tmp_path / "messages.yaml").write_text(good, encoding="utf-8")
    assert read_catalogue(module) == ({"seat_taken": ("座位 {seat} 已被占用", "Seat {seat} is taken")}, {})
    for text, problem in (
        (good + '  seat_taken: ["座位已被占用", "Seat taken"]\n', "given twice"),
        ('messages:\n  seat_taken: ["座位已被占用"]\n', "is not [Chinese, English]"),
        ('messages:\n  seat_taken: ["座位已被占用", ""]\n', "is not [Chinese, English]"),
        ('messages:\n  seat_taken: ["座位 {seat} 已被占用", "Seat {sat} is taken"]\n', "fills ['seat'] in Chinese"),
        ('messages:\n  seat_taken: ["座位已被占用", "Seat {seat} is taken"]\n', "fills [] in Chinese"),
        ('mesages:\n  seat_taken: ["座位已被占用", "Seat taken"]\n', "the sections are messages, titles"),
    ):
        (tmp_path / "messages.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=problem.replace("[", r"\[")):
            read_catalogue(module)
    # an English text may fill the English form of a value, and a placeholder only English may carry
    (tmp_path / "messages.yaml").write_text(
        'messages:\n  routed: ["请转 {routes}", "Go to {routes_en}: {error}"]\n', encoding="utf-8")
    assert read_catalogue(module, english_only=frozenset({"error"}))[0]["routed"][1] == "Go to {routes_en}: {error}"
