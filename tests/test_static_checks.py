"""The checks that keep the code's shape, run with the tests so that the README's one command covers them:
mypy over the kernel, the spine and the rules modules; the import contracts between the layers; and a TypeScript
client generated from the OpenAPI document that must type-check (a frontend's calls break here, not in a
browser)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from app.core.config import ROOT, Settings
from app.main import create_app

CLIENT = ROOT / "clients" / "typescript"


def _run(*cmd: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def test_mypy_is_clean_over_the_kernel_the_spine_and_the_rules():
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Success" in done.stdout


def test_the_layers_import_only_downwards():
    done = _run(str(Path(sys.executable).parent / "lint-imports"))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_typescript_client_generated_from_the_openapi_document_type_checks(tmp_path):
    npm = shutil.which("npm")
    assert npm, "Node.js and npm are needed (Debian: nodejs npm; .ci/run installs them)"
    spec = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", data_dir=tmp_path,
                               jwt_secret="x" * 40, field_key="C2p0Zk1hZ2ljS2V5Rm9yVGVzdHNPbmx5MTIzNDU2Nzg=",
                               lookup_key="k")).openapi()
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    if not (CLIENT / "node_modules" / ".bin" / "tsc").exists():
        installed = _run(npm, "ci", "--no-audit", "--no-fund", cwd=CLIENT)
        assert installed.returncode == 0, installed.stderr[-3000:]
    generated = _run(npm, "run", "-s", "generate", cwd=CLIENT)
    assert generated.returncode == 0, generated.stderr[-3000:]
    checked = _run(npm, "run", "-s", "check", cwd=CLIENT)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
