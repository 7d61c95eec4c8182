"""Personal numbers in clear: a scanner for response bodies and logs, and a pytest plugin that scans every log record.

An ID number is 18 characters (17 digits and a digit or X) whose check digit is right (GB 11643); a phone number is
a mainland mobile, 1[3-9] and 9 more digits. Masked forms (110***********001X, 138****1234) do not match, nor do
longer runs of digits (an 18-digit ID number contains no phone number by this rule) or decimals.

The plugin (registered from tests/conftest.py) puts a handler on the root logger for the whole session, at INFO
at least, formats every record with its traceback, and when the session ends fails it (exit status 1) listing
each record that carried an unmasked number. Tests that log such a number on purpose use a logger that does not
propagate (see the self-test in tests/api/test_personal_data_walk.py).
"""

import logging
import re
from collections.abc import Iterator

import pytest
from stdnum.cn import ric

# Not inside a longer token (a request id's hex), nor the digits after a decimal point (0.0143948869990 in a metric).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dXx](?![0-9A-Za-z]|\.\d)")
MOBILE = re.compile(r"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z]|\.\d)")


def unmasked_numbers(text: str) -> list[str]:
    """Every checksum-valid ID number and every mobile number in the text, in clear."""
    ids = [m for m in ID_NUMBER.findall(text) if ric.calc_check_digit(m) == m[17].upper()]
    return ids + MOBILE.findall(text)


class LogScanner(logging.Handler):
    """Collects the log records that carry an unmasked number: (logger, level, the first 300 characters)."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records = 0
        self.hits: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a record that cannot format is the logging call's bug, not ours
            text = str(record.msg)
        self.records += 1
        if unmasked_numbers(text):
            self.hits.append((record.name, record.levelname, text[:300]))


_scanner = LogScanner()


def pytest_sessionstart(session: pytest.Session) -> None:
    root = logging.getLogger()
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)  # the app's request and business logs are INFO
    root.addHandler(_scanner)


@pytest.fixture(autouse=True)
def _root_logger_kept() -> Iterator[None]:
    """The root logger as it was before each test. A test that runs a command in process (`app.cli.main`) has it
    configure logging: its handlers replaced by one writing to that test's captured stderr, which is closed when
    the test ends. Left so, every later record failed to write (and printed a stack trace doing so), and this
    scanner was gone for the rest of the session."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):  # pytest's own handlers come and go with each phase: left to it
        if handler not in handlers and not _pytests(handler):
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers and not _pytests(handler):
            root.addHandler(handler)
    root.setLevel(level)


def _pytests(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("_pytest")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    root = logging.getLogger()
    scanned_throughout = _scanner in root.handlers
    root.removeHandler(_scanner)
    if scanned_throughout and not _scanner.hits:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(_scanner.hits)} of {_scanner.records} log records carry an unmasked ID or phone number:"]
    if not scanned_throughout:
        lines = ["the log scanner was taken off the root logger during the session: its logs went unscanned"]
    lines += [f"  {text}" for _, _, text in _scanner.hits[:20]]
    if reporter is not None:
        reporter.write_sep("=", "personal data in logs", red=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
