"""Security scan of terraform/ with checkov, from its own virtualenv (.ci/run installs it).

Every failed check must be fixed or skipped inline (`# checkov:skip=ID:why`) in the .tf file.
Locally the test skips when that venv is absent; under WASTE_TEST_REQUIRE_SERVICES=1 (CI) it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support import services
from tests.wastectl.infra.hcl import TERRAFORM

pytestmark = pytest.mark.slow
CHECKOV = Path(os.environ.get("WASTE_TEST_CHECKOV", "/opt/checkov-venv/bin/checkov"))


@pytest.fixture(scope="module")
def scan() -> list[dict[str, object]]:
    if not CHECKOV.is_file():
        services.unavailable("checkov", str(CHECKOV), "not installed (.ci/run creates /opt/checkov-venv)")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(TERRAFORM), "--framework", "terraform", "--skip-download",
         "--compact", "-o", "json"],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    return [r for r in reports if r.get("check_type") == "terraform"]


def test_no_failed_check_without_an_inline_skip(scan: list[dict[str, object]]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]}): {c['check_name']}"
        for r in scan
        for c in r["results"]["failed_checks"]  # type: ignore[index]
    ]
    assert not failed, "checkov failures (fix them or add `# checkov:skip=ID:reason`):\n" + "\n".join(failed)


def test_every_skip_says_why(scan: list[dict[str, object]]) -> None:
    skipped = [c for r in scan for c in r["results"]["skipped_checks"]]  # type: ignore[index]
    assert skipped, "expected the documented inline skips to be seen by checkov"
    for check in skipped:
        reason = str(check.get("check_result", {}).get("suppress_comment") or "")
        assert len(reason) > 15, f"{check['check_id']} on {check['resource']} is skipped without a reason"


def test_it_scanned_the_real_resources(scan: list[dict[str, object]]) -> None:
    passed = {c["resource"] for r in scan for c in r["results"]["passed_checks"]}  # type: ignore[index]
    assert any("aws_s3_bucket_public_access_block" in str(p) for p in passed)
    assert any("aws_instance.node" in str(p) for p in passed)
