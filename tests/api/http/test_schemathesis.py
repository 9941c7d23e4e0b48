"""Build point 4 of issue 15: schemathesis over the OpenAPI schema finds no 5xx and no response
that breaks the schema, against the app under uvicorn on real PostgreSQL, as a logged-in user.

A bounded run: `MAX_EXAMPLES` cases per operation in the examples, coverage and fuzzing phases
(stateful sequences left out), with a fixed seed so a failure is reproducible. Logging out,
revoking a session and deleting the account are excluded: each would end the session the rest of
the run uses. The user has one finished scan, so the per-scan operations reach their logic.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.api.scans import imagegen
from tests.support.processes import wait_for
from tests.web.conftest import LiveServer

MAX_EXAMPLES = 50
SEED = 15
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Operation ids. Schemathesis reuses ids it saw in responses, so revoking a listed session would end
# the run's own session like logging out does.
EXCLUDED = ("auth-logout", "auth-delete_session", "users-delete_me")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    make_live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    # Rate limits off, as for the benchmarks: a 429 storm would keep the cases from the routes' logic
    # (each route documents its 429; tests/api/test_ratelimit.py covers them).
    server = make_live_server(rate_limits_enabled=False)
    login = httpx.post(f"{server.url}/api/v1/auth/dev/token", json={"nickname": "fuzzer"}, timeout=30)
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    _one_finished_scan(server.url, {"Authorization": f"Bearer {token}"})
    excluded = [arg for operation in EXCLUDED for arg in ("--exclude-operation-id", operation)]
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json",
        "--checks", ",".join(CHECKS), "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
        "--header", f"Authorization: Bearer {token}", "--request-timeout", "30",
        "--suppress-health-check", "all", "--report", "junit", "--report-dir", str(tmp_path),
        *excluded,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    summary = result.stdout[-12000:] + result.stderr[-4000:]
    assert result.returncode == 0, summary
    # Every bearer-authenticated operation got past the login (the signed upload form answers 403
    # to forged signatures: that one is expected in the "Authentication failed" warning).
    assert "401 Unauthorized (" not in result.stdout, summary


def _one_finished_scan(url: str, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}).json()
        form = client.post(
            ticket["url"], data=ticket["fields"], files={"file": ("p.jpg", imagegen.jpeg(), "image/jpeg")}
        )
        assert form.status_code == 204, form.text
        created = client.post("/api/v1/scans", json={"upload_key": ticket["key"]})
        assert created.status_code == 202, created.text
        scan_url = f"/api/v1/scans/{created.json()['id']}"
        assert wait_for(lambda: client.get(scan_url).status_code == 200, timeout=60)
