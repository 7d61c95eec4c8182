"""Contract fuzzing: every operation of the OpenAPI schema, as every role, in-process on SQLite.

Schemathesis generates requests from the app's own schema (valid ones and, for a share of the examples, invalid
ones); each is sent through Starlette's TestClient to the ASGI app, authenticated as a role drawn per example
(anonymous, resident, agent, dispatcher, unit staff, volunteer, admin, auditor). Every answer must:

- not be a 5xx;
- conform to the response schema the operation declares (schemathesis' response_schema_conformance);
- as an error (4xx), be `application/problem+json` with a `code`: the RFC 9457 format the app promises.
  Open311 routes (/open311/v2/...) answer errors in the GeoReport v2 format instead, as that spec requires:
  a JSON (or XML) list of `{code, description}`; that is checked for them.

SQLite only, on one database for the whole module (fuzzed writes pile up, as in production). The number of
examples per operation is small enough to keep the run near a minute; raise FUZZ_EXAMPLES to dig deeper.
"""

import json
import logging
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.testclient import TestClient

from app.core.clock import FrozenClock
from app.main import create_app
from tests import factories as f
from tests.conftest import START, _settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
ROLES = ("anonymous", "resident", "agent", "dispatcher", "unit_staff", "volunteer", "admin", "auditor")
OPEN311 = "/open311/v2"
PROBLEM_JSON = "application/problem+json"
# Operations that only stream or hand out the schema itself: fuzzing them proves nothing and the stream never ends.
SKIPPED = {"GET /feed/stream", "GET /me/notifications/stream"}
STATUSES: dict[str, Counter] = defaultdict(Counter)  # label -> status code -> examples, for the coverage check


def _labels() -> list[str]:
    spec = create_app(_settings("sqlite+aiosqlite:///:memory:", Path("/tmp"))).openapi()
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
            if f"{method.upper()} {path}" not in SKIPPED]


class Credentials:
    """A bearer token per role; a role whose account a fuzzed call logged out, disabled or changed gets a new one."""

    LOST = {"auth_token_revoked", "auth_account_disabled", "auth_token_invalid"}

    def __init__(self, client: TestClient, app) -> None:
        self.client, self.app = client, app
        self.unit = client.portal.call(f.unit_id, app, "440304001020-community_workstation")
        self.headers = {"anonymous": {}} | {role: self._login(role) for role in ROLES[1:]}

    def _login(self, role: str) -> dict[str, str]:
        return self.client.portal.call(_login, self.app, role, self.unit if role == "unit_staff" else None)

    def after(self, role: str, response) -> None:
        if role != "anonymous" and response.status_code == 401 and response.json().get("code") in self.LOST:
            self.headers[role] = self._login(role)


async def _login(app, role: str, unit: int | None) -> dict[str, str]:
    return await f.login_as(app, role, unit=unit)


@pytest.fixture(scope="module")
def fuzz(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, folder / "fuzz.db")
    app = create_app(_settings(f"sqlite+aiosqlite:///{folder / 'fuzz.db'}", folder), clock=FrozenClock(START),
                     run_worker=False)
    # The test client's own request lines carry the fuzzer's random numbers, some shaped like mobile numbers;
    # they are not personal data, so they stay out of the session's personal-data log scan.
    client_log = logging.getLogger("httpx")
    level = client_log.level
    client_log.setLevel(logging.WARNING)
    with TestClient(app, raise_server_exceptions=False) as client:
        credentials = Credentials(client, app)
        # The first classification trains the model: done here, before any example runs against the deadline.
        warm = client.post("/hotline/classify", json={"text": "楼下噪音"}, headers=credentials.headers["agent"])
        assert warm.is_success, warm.text
        yield client, credentials, schemathesis.openapi.from_dict(app.openapi())
    client_log.setLevel(level)


def _send(client: TestClient, case, headers: dict[str, str]):
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    method, url = kwargs.pop("method"), kwargs.pop("url")
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    if kwargs.get("files"):
        kwargs["files"] = _renderable(kwargs["files"])
    kwargs.pop("timeout", None)
    if not kwargs.get("cookies"):
        kwargs.pop("cookies", None)  # the schema declares none; an empty dict only draws Starlette's warning
    kwargs.pop("allow_redirects", None)
    return client.request(method, url, follow_redirects=False, **kwargs)


def _renderable(files):
    """Multipart parts as httpx can write them: a fuzzed number or null in a file part becomes its text (httpx
    would fail on the client's side, mid-request, and the test client would report that as the server's 500)."""
    def part(value):
        if isinstance(value, tuple):
            return (value[0], *(part(v) if i == 0 else v for i, v in enumerate(value[1:])))
        return value if isinstance(value, bytes | str) or hasattr(value, "read") else str(value).encode()

    if isinstance(files, dict):
        return {name: part(value) for name, value in files.items()}
    return [(name, part(value)) for name, value in files]


def _outcome(response) -> str:
    if response.status_code < 400 or "json" not in response.headers.get("content-type", ""):
        return str(response.status_code)
    body = response.json()
    return f"{response.status_code} {body.get('code') if isinstance(body, dict) else body[0].get('code')}"


def _error_format(path: str, response) -> str | None:
    """None when the error is in the format the route promises, else what is wrong."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if path.startswith(OPEN311):
        if content_type == "application/json":
            body = response.json()
            ok = isinstance(body, list) and all({"code", "description"} <= set(item) for item in body)
            return None if ok else f"Open311 error body is not a list of code/description: {response.text[:200]}"
        if content_type in ("text/xml", "application/xml"):
            return None if "<errors>" in response.text else f"Open311 XML error without <errors>: {response.text[:200]}"
        return f"Open311 error with content type {content_type!r}"
    if content_type != PROBLEM_JSON:
        return f"error with content type {content_type!r}, not {PROBLEM_JSON}: {response.text[:200]}"
    body = response.json()
    if not isinstance(body, dict) or "code" not in body or body.get("status") != response.status_code:
        return f"problem+json without code/status: {response.text[:200]}"
    return None


def _strategies(operation) -> list:
    """Valid and invalid requests; Open311's `{fmt}` also pinned to json and xml, or every example is a 404."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if "{fmt}" in operation.path:
        strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"fmt": fmt})
                       for fmt in ("json", "xml")]
    return strategies


@pytest.mark.parametrize("label", _labels())
def test_operation_keeps_its_contract(fuzz, label: str) -> None:
    client, credentials, schema = fuzz
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label
    strategy = st.one_of(*_strategies(operation))

    @settings(max_examples=EXAMPLES, deadline=3000, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy, role=st.sampled_from(ROLES))
    def check(case, role: str) -> None:
        response = _send(client, case, credentials.headers[role])
        credentials.after(role, response)
        STATUSES[label][_outcome(response)] += 1
        context = f"{label} as {role}: {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, context
        if response.status_code >= 400:
            problem = _error_format(operation.path, response)
            assert problem is None, f"{label} as {role}: {problem}"
        else:
            case.validate_response(response, checks=[response_schema_conformance])

    check()


# Refusals at the door: no credentials, the wrong role, a body or parameter the schema itself refuses.
DOOR = {"401", "403 forbidden", "400 malformed_json", "400 body_unreadable", "422 validation_failed",
        "422 query_parameter_unknown", "422 value_out_of_range"}


def _past_door(outcome: str) -> bool:
    return outcome.split(" ")[0] not in ("401",) and outcome not in DOOR


def test_the_fuzz_got_past_the_door() -> None:
    """Runs after the operations: proves examples reached the handlers, not only 401/403/422 at the door.

    Two measures: operations whose handler answered at least once (a success, or the handler's own refusal such
    as case_not_found or period_invalid), and operations that succeeded. The second is lower since each lifecycle
    action has its own route: an action succeeds only on a case that exists and is in the right status."""
    if not STATUSES:
        pytest.skip("no operation was fuzzed in this run")
    succeeded = sorted(label for label, seen in STATUSES.items() if any(outcome.startswith("2") for outcome in seen))
    handled = sorted(label for label, seen in STATUSES.items() if any(_past_door(outcome) for outcome in seen))
    print(f"\n{len(succeeded)} of {len(STATUSES)} operations answered 2xx at least once, "
          f"{len(handled)} were answered by their handler:")
    for label, seen in sorted(STATUSES.items()):
        print(f"  {label}: {dict(sorted(seen.items()))}")
    assert len(handled) >= len(STATUSES) * 3 // 4, sorted(set(STATUSES) - set(handled))
    assert len(succeeded) >= len(STATUSES) // 6, succeeded  # 35 of 185 today: most need ids of real rows


def test_the_door_is_told_from_the_handler() -> None:
    assert not _past_door("401 auth_required") and not _past_door("422 validation_failed")
    assert _past_door("404 case_not_found") and _past_door("200") and _past_door("422 period_invalid")


def test_the_error_format_check_can_fail() -> None:
    """The checker itself: a plain JSON error and an Open311 dict are both refused."""

    class Fake:
        def __init__(self, content_type: str, body) -> None:
            self.headers = {"content-type": content_type}
            self.text = json.dumps(body)
            self.status_code = 404
            self._body = body

        def json(self):
            return self._body

    assert _error_format("/cases/1", Fake("application/json", {"detail": "Not Found"}))
    assert _error_format("/cases/1", Fake(PROBLEM_JSON, {"code": "not_found", "status": 404})) is None
    assert _error_format("/open311/v2/requests.json", Fake("application/json", {"code": 404}))
    assert _error_format("/open311/v2/requests.json", Fake("application/json", [{"code": 404, "description": "x"}])) \
        is None
