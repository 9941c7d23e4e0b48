"""The real AWS configuration (terraform/envs/prod) planned by `wastectl infra` against a moto
server over HTTP, with the hashicorp/aws provider from a local filesystem mirror.

Providers cannot be downloaded here, so this runs only where a mirror exists (some machines have
/opt/tf-plugins; WASTE_TEST_TF_PLUGIN_DIR names another). The test copy gets an override file
(local backend, moto endpoints, fake credentials); nothing in terraform/ is changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import free_port, run_cli
from tests.support.terraform import TerraformShim
from tests.wastectl.infra.hcl import TERRAFORM
from tests.wastectl.infra.test_engine import PLUGIN_DIR

pytestmark = pytest.mark.slow

OVERRIDE = """
terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {{
    ec2     = "{url}"
    s3      = "{url}"
    iam     = "{url}"
    sts     = "{url}"
    acm     = "{url}"
    route53 = "{url}"
    elbv2   = "{url}"
  }}
}}
"""

MIRROR = """provider_installation {{
  filesystem_mirror {{
    path    = "{path}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
"""


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    if not (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider mirror at {PLUGIN_DIR} (set WASTE_TEST_TF_PLUGIN_DIR)")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_wastectl_plans_the_real_aws_configuration(
    terraform_on_path: TerraformShim, moto: str, tmp_path: Path
) -> None:
    import boto3

    boto3.client("route53", region_name="us-east-1", endpoint_url=moto).create_hosted_zone(
        Name="growbin.app", CallerReference="test"
    )
    ami = boto3.client("ec2", region_name="ap-northeast-2", endpoint_url=moto).describe_images(
        Owners=["amazon"]
    )["Images"][0]["ImageId"]
    terraform_on_path.cli_config.write_text(MIRROR.format(path=PLUGIN_DIR))
    tree = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, tree, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    env = tree / "envs" / "prod"
    (env / "override.tf").write_text(OVERRIDE.format(url=moto))
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "key")], check=True)

    init = run_cli("infra", "init", "--dir", str(env), timeout=300)
    assert init.returncode == 0, init.stderr
    plan = run_cli(
        "infra", "plan", "--dir", str(env), "--var", f"ami_id={ami}",
        "--var", f"ssh_public_key_path={tmp_path / 'key.pub'}", "-o", "json", timeout=600,
    )  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)["data"]
    creates = {c["type"]: c["count"] for c in data["changes"] if c["action"] == "create"}
    assert creates["aws_instance"] == 4
    assert creates["aws_s3_bucket"] == 1
    assert creates["aws_acm_certificate"] == 1
    assert creates["aws_vpc_security_group_ingress_rule"] >= 20
    assert data["destroyed"] == [] and data["replaced"] == []
    assert data["cost"]["total_monthly_usd"] == 290.0  # the seed's four nodes at Seoul prices
    assert data["cost"]["current_monthly_usd"] is None  # nothing applied yet


def test_validations_reject_a_wrong_value_before_anything_is_created(
    terraform_on_path: TerraformShim, moto: str, tmp_path: Path
) -> None:
    terraform_on_path.cli_config.write_text(MIRROR.format(path=PLUGIN_DIR))
    tree = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, tree, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    env = tree / "envs" / "prod"
    (env / "override.tf").write_text(OVERRIDE.format(url=moto))
    assert run_cli("infra", "init", "--dir", str(env), timeout=300).returncode == 0
    plan = run_cli(
        "infra", "plan", "--dir", str(env), "--var", 'ssh_allowed_cidrs=["0.0.0.0/0"]', timeout=600
    )
    assert plan.returncode == 1
    assert "ssh_allowed_cidrs must not contain 0.0.0.0/0" in plan.stderr
