"""The console and the resident page in a real browser (Debian's chromium driven by Playwright), against a real
server: an agent logs a call and files it, an emergency shows its banner, unit staff sign and reply with a photo,
the resident tracks the case and rates it, the live wall shows a new case. Screenshots go to docs/screenshots/."""

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.server import ROOT, Server, chromium_path

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python client is not installed")
CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: install Debian's `chromium` package "
                                                         "(.ci/run does) or set CSC_CHROMIUM to a Chromium binary")
SHOTS = ROOT / "docs" / "screenshots"
NOISE = "南园路68号楼下商铺每晚十点后用高音喇叭揽客，严重扰民，已经持续一个月"
ADDRESS = "福田区南园街道南园社区南园路68号"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("browser"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shared() -> dict[str, Any]:
    return {}


def page_for(browser: Any, server: Server, path: str, *, mobile: bool = False) -> Any:
    ctx = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                              viewport={"width": 414, "height": 860} if mobile else {"width": 1360, "height": 900},
                              geolocation={"latitude": 22.5405, "longitude": 114.0980}, permissions=["geolocation"])
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(path)
    return page


def console_login(page: Any, username: str, password: str) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav a")


def wait_js(page: Any, expression: str, timeout: float = 15.0) -> None:
    """Poll an expression from Python: page.wait_for_function compiles it in the page, which the CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.02)


def photo(path: Path) -> Path:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def test_agent_logs_a_call_and_files_it(browser: Any, server: Server, shared: dict[str, Any]) -> None:
    page = page_for(browser, server, "/console")
    console_login(page, "agent01", "Agent#2026")
    page.wait_for_selector("#intake-form")
    # Before anything is typed the five elements missing are shown.
    assert page.locator("#missing li").count() == 3
    page.fill("#in-caller_phone", "13800138000")
    page.fill("#in-caller_name", "李女士")
    page.type("#in-description", NOISE[:20], delay=20)
    wait_js(page, "window.__intakeTiming && window.__intakeTiming.suggestionsShown > window.__intakeTiming.lastInput")
    page.type("#in-description", NOISE[20:], delay=10)
    wait_js(page, "window.__intakeTiming.suggestionsShown > window.__intakeTiming.lastInput")
    latency = page.evaluate("window.__intakeTiming.latency")
    shared["suggest_ms"] = latency
    print(f"suggestions shown {latency:.0f} ms after the last keystroke")
    assert latency < 150 * 2, latency  # the target is 150 ms; twice that fails the test on a loaded CI machine
    assert "噪声" in page.inner_text("#suggestion-list")
    assert page.input_value("#in-category") == "env.noise"
    page.fill("#in-address", ADDRESS)
    page.wait_for_selector("#resolved")
    assert "南园社区" in page.inner_text("#resolved")
    assert page.locator("#missing li").count() == 0
    page.wait_for_selector("#p-knowledge li, #p-knowledge p")
    page.screenshot(path=str(SHOTS / "console-intake.png"), full_page=True)
    page.focus("#in-description")
    page.keyboard.press("Control+Enter")  # one keystroke files
    page.wait_for_selector("#filed")
    assert "生态环境" in page.inner_text("#filed-unit")
    shared["agent_case"] = page.inner_text("#filed-number")
    page.screenshot(path=str(SHOTS / "console-filed.png"), full_page=True)
    # The case page: timeline, routing trace, position.
    page.click("#filed-number")
    page.wait_for_selector("#timeline li")
    assert page.locator("#trace li").count() >= 2
    page.screenshot(path=str(SHOTS / "console-case.png"), full_page=True)
    # The same matter again: the first order shows as a likely duplicate, and filing merges into it.
    page.goto("/console#/intake")
    page.fill("#in-caller_phone", "13800138009")
    page.fill("#in-address", ADDRESS)
    page.fill("#in-description", NOISE)
    page.click(f"#duplicate-list li:has-text('{shared['agent_case']}') button")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#filed")
    page.click("#filed-number")
    page.wait_for_selector("#timeline li:has-text('合并')")
    # An API error is shown next to the field it names: a phone that is not one.
    page.goto("/console#/intake")
    page.wait_for_selector("#intake-form")
    page.fill("#in-caller_phone", "12345")
    page.fill("#in-description", NOISE)
    page.fill("#in-address", ADDRESS)
    page.click("#file-btn")
    page.wait_for_selector("#intake-form .field-error")
    page.context.close()


def test_an_emergency_shows_its_banner(browser: Any, server: Server) -> None:
    page = page_for(browser, server, "/console")
    console_login(page, "agent01", "Agent#2026")
    page.fill("#in-caller_phone", "13800138002")
    page.fill("#in-description", "楼道里有很浓的煤气味，邻居家好像漏气了")
    banner = page.wait_for_selector("#emergency-banner")
    assert "119" in banner.inner_text() or "燃气" in banner.inner_text()
    assert page.input_value("#in-urgency") == "critical"
    page.screenshot(path=str(SHOTS / "console-emergency.png"), full_page=True)
    page.click("#lang")  # English, the text kept
    page.wait_for_selector("#p-suggestions h2:has-text('Category suggestions')")
    assert page.input_value("#in-description").startswith("楼道里")
    page.fill("#in-description", page.input_value("#in-description") + " ")
    page.wait_for_selector("#emergency-banner:has-text('Hand the caller over')")
    page.screenshot(path=str(SHOTS / "console-emergency-en.png"), full_page=True)
    page.click("#lang")
    page.context.close()


def test_resident_reports_with_a_photo(browser: Any, server: Server, shared: dict[str, Any], tmp_path: Path) -> None:
    page = page_for(browser, server, "/m/", mobile=True)
    page.fill("#register-form [name=name]", "李娜")
    page.fill("#register-form [name=phone]", "13800138000")
    page.fill("#register-form [name=password]", "Resident#2026")
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("#report-form")
    page.fill("#m-description", "南园路68号楼下商铺每晚用高音喇叭揽客，噪音很大，吵得老人睡不着")
    page.fill("#m-address", ADDRESS)
    page.click("text=使用我的位置")
    wait_js(page, "document.querySelector('#m-located').textContent.length > 0")
    page.set_input_files("#m-photo", str(photo(tmp_path / "noise.png")))
    page.screenshot(path=str(SHOTS / "resident-report.png"), full_page=True)
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#m-number")
    shared["resident_case"] = page.inner_text("#m-number")
    page.screenshot(path=str(SHOTS / "resident-case.png"), full_page=True)
    shared["resident_storage"] = page.context.storage_state()
    page.context.close()


def test_unit_staff_sign_and_reply_with_a_photo(browser: Any, server: Server, shared: dict[str, Any],
                                                tmp_path: Path) -> None:
    page = page_for(browser, server, "/console")
    console_login(page, "hb_futian", "Unit#2026x")
    page.wait_for_selector("table.queue")
    row = page.locator(f"tr[data-number='{shared['resident_case']}']")
    assert row.locator(".due").count() >= 1
    page.screenshot(path=str(SHOTS / "console-queue.png"), full_page=True)
    row.click()
    page.click("[data-action=sign]")
    page.click("#form-sign button[type=submit]")
    page.wait_for_selector("#case-status .b-signed")
    page.click("[data-action=reply]")
    page.click("#form-reply button[type=submit]")  # empty: the API's errors land next to the fields
    page.wait_for_selector("#form-reply .form-error:not([hidden])")
    page.fill("#act-text", "经现场核查，已责令商铺停止使用高音喇叭，并纳入夜间巡查。")
    page.fill("#act-signer", "王芳")
    page.set_input_files("#act-files", str(photo(tmp_path / "done.png")))
    page.screenshot(path=str(SHOTS / "console-reply-form.png"), full_page=True)
    page.click("#form-reply button[type=submit]")
    page.wait_for_selector("#case-status .b-replied")
    page.context.close()


def resident_signed_in(browser: Any, server: Server) -> tuple[Any, Any]:
    """The resident registered by the photo test, signed in on a phone-sized page."""
    ctx = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 414, "height": 860})
    page = ctx.new_page()
    page.goto("/m/")
    page.fill("#signin-form [name=username]", "13800138000")
    page.fill("#signin-form [name=password]", "Resident#2026")
    page.click("#signin-form button[type=submit]")
    return ctx, page


def test_resident_reads_the_reply_in_the_inbox(browser: Any, server: Server, shared: dict[str, Any]) -> None:
    ctx, page = resident_signed_in(browser, server)
    wait_js(page, "document.querySelector('#m-unread') && !document.querySelector('#m-unread').hidden")
    unread = int(page.inner_text("#m-unread"))
    assert unread >= 2  # the receipt on filing and the reply
    page.click("#m-inbox-link")
    page.wait_for_selector("#inbox-list")
    items = page.locator(f"#inbox-list .case-item.unread[data-case='{shared['resident_case']}']")
    assert items.count() == unread
    page.screenshot(path=str(SHOTS / "resident-inbox.png"), full_page=True)
    items.first.click()  # the newest: the reply, read on the case's page
    page.wait_for_selector("#m-reply")
    wait_js(page, f"document.querySelector('#m-unread')?.textContent === '{unread - 1}'")
    page.click("#m-inbox-link")
    page.click("#m-read-all")
    wait_js(page, "document.querySelector('#m-unread')?.hidden && document.querySelector('#inbox-list') "
                  "&& !document.querySelector('#inbox-list .unread')")
    ctx.close()


def test_resident_tracks_and_rates(browser: Any, server: Server, shared: dict[str, Any]) -> None:
    ctx, page = resident_signed_in(browser, server)
    page.fill("#track-form [name=number]", shared["resident_case"])
    page.click("#track-form button[type=submit]")
    page.click(".case-item")
    page.wait_for_selector("#m-reply")
    assert "停止使用高音喇叭" in page.inner_text("#m-reply")
    page.select_option("#m-satisfaction", "satisfied")
    page.screenshot(path=str(SHOTS / "resident-rate.png"), full_page=True)
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#m-thanks")
    assert page.locator("#rate-form").count() == 0
    ctx.close()


def test_a_resident_in_danger_is_told_to_call_now(browser: Any, server: Server) -> None:
    ctx, page = resident_signed_in(browser, server)
    page.click("text=我要反映")
    page.fill("#m-description", "我老公喝醉了在打我，我现在躲在厕所里，求求你们快来")
    page.fill("#m-address", ADDRESS)
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#m-call-now")
    assert page.locator("#m-call-now a[href='tel:110']").count() == 1
    page.screenshot(path=str(SHOTS / "resident-call-now.png"), full_page=True)
    page.click("#m-call-now-case")
    page.wait_for_selector("#m-number")
    ctx.close()


def test_the_live_wall_shows_a_new_case(browser: Any, server: Server) -> None:
    page = page_for(browser, server, "/console")
    console_login(page, "disp01", "Disp#2026x")
    page.goto("/console#/wall")
    page.wait_for_selector("#wall-total")
    before = int(page.inner_text("#wall-total"))
    assert before >= 2  # the agent's order and the resident's report of the tests above
    token = server.token("agent01", "Agent#2026")
    r = httpx.post(f"{server.url}/hotline/orders", headers={"Authorization": f"Bearer {token}"},
                   json={"work_order_type": "help", "description": "小区门口有人晕倒了，没有呼吸，快来人",
                         "caller_phone": "13900139000", "address": ADDRESS})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    wait_js(page, f"document.querySelector('#wall-total').textContent === '{before + 1}'")
    page.wait_for_selector(f"#wall-live li:has-text('{number}')")
    page.screenshot(path=str(SHOTS / "console-wall.png"), full_page=True)
    page.goto("/console#/board")
    page.wait_for_selector("#board_returns")
    page.screenshot(path=str(SHOTS / "console-board.png"), full_page=True)
    page.goto("/console#/history")
    page.fill("#history-phone", "13800138000")
    page.keyboard.press("Enter")
    page.wait_for_selector("#history-result table")
    page.screenshot(path=str(SHOTS / "console-history.png"), full_page=True)
    page.context.close()


def test_an_expired_session_keeps_what_the_agent_typed(browser: Any, server: Server) -> None:
    page = page_for(browser, server, "/console")
    console_login(page, "agent01", "Agent#2026")
    page.fill("#in-caller_phone", "13800138003")
    page.evaluate("sessionStorage.setItem('csc.token', 'expired')")
    page.fill("#in-description", NOISE)
    page.wait_for_selector("#login:not([hidden])")
    assert page.is_visible("#login-note")
    console_login(page, "agent01", "Agent#2026")
    assert page.input_value("#in-description") == NOISE
    assert page.input_value("#in-caller_phone") == "13800138003"
    page.context.close()


def test_first_load_is_small(server: Server) -> None:
    """The console's first load (the page, its style and the modules it starts with) stays under 300 KB."""
    paths = ["/console/", "/web/style.css", "/console/app.js", "/web/api.js", "/web/i18n.js", "/web/ui.js",
             "/console/intake.js"]
    total = sum(len(httpx.get(server.url + p).content) for p in paths)
    print(f"console first load: {total} bytes")
    assert total < 300_000, total
