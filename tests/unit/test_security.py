from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.login import FailureState, LockoutPolicy, after_failure, after_success, is_locked
from app.core.observability import redact
from app.core.security import (
    TokenError,
    issue_token,
    mask_id_number,
    mask_phone,
    normalise_mobile,
    password_is_strong,
    read_token,
)

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


@pytest.mark.parametrize("raw,expected", [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("8613812345678", "13812345678"),
    ("12345678901", None), ("1381234567", None), ("075512345678", None), ("abc", None), ("", None),
])
def test_mobile_numbers(raw, expected):
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize("password,ok", [
    ("Abcdef1!", True), ("abcdef12", False), ("ABCDEFG1", False), ("Ab1!", False), ("abcdefg!1", True),
    ("密码密码Ab12", True),
])
def test_password_policy(password, ok):
    assert password_is_strong(password, 8, 3) is ok


def test_masks():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone(None) is None


def test_redaction_of_logs():
    line = 'phone 13812341234 id 11010519491231002X Authorization: Bearer abc.def.ghi "password": "Secret#1"'
    out = redact(line)
    assert "13812341234" not in out and "138****1234" in out
    assert "11010519491231002X" not in out and "110***********002X" in out
    assert "abc.def.ghi" not in out and "Secret#1" not in out


def test_tokens_expire_on_the_injected_clock():
    token = issue_token("s" * 40, user_id=7, role="agent", now=NOW, ttl=timedelta(minutes=30))
    assert read_token("s" * 40, token, NOW + timedelta(minutes=29))["sub"] == "7"
    with pytest.raises(TokenError) as err:
        read_token("s" * 40, token, NOW + timedelta(minutes=30))
    assert err.value.code == "auth_token_expired"
    with pytest.raises(TokenError) as err:
        read_token("t" * 40, token, NOW)
    assert err.value.code == "auth_token_invalid"


def test_a_checked_token_remembered_does_not_let_an_altered_one_through():
    token = issue_token("s" * 40, user_id=7, role="agent", now=NOW, ttl=timedelta(minutes=30))
    assert read_token("s" * 40, token, NOW)["sub"] == "7"
    head, body, signature = token.split(".")
    for altered in (f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
                    f"{head}.{body[:-2]}{'xy' if body[-2:] != 'xy' else 'zw'}.{signature}"):
        with pytest.raises(TokenError) as err:
            read_token("s" * 40, altered, NOW)
        assert err.value.code == "auth_token_invalid"


def test_lockout_after_five_failures_within_window():
    policy = LockoutPolicy(5, timedelta(minutes=15), timedelta(minutes=15))
    state = FailureState(0, None, None)
    for i in range(4):
        state = after_failure(state, policy, NOW + timedelta(minutes=i))
        assert not is_locked(state, NOW + timedelta(minutes=i))
    state = after_failure(state, policy, NOW + timedelta(minutes=4))
    assert is_locked(state, NOW + timedelta(minutes=5))
    assert not is_locked(state, NOW + timedelta(minutes=19, seconds=1))
    assert after_success() == FailureState(0, None, None)


def test_failures_outside_window_start_over():
    policy = LockoutPolicy(5, timedelta(minutes=15), timedelta(minutes=15))
    state = FailureState(0, None, None)
    for i in range(4):
        state = after_failure(state, policy, NOW + timedelta(minutes=i))
    state = after_failure(state, policy, NOW + timedelta(minutes=30))
    assert state.failed_logins == 1 and not is_locked(state, NOW + timedelta(minutes=30))
