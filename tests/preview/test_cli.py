"""``mlwarden preview`` end to end, in subprocesses, as users and CI run it."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from testkit.paths import ROOT

pytestmark = pytest.mark.slow

PROGRAMS = Path(__file__).parent / "programs"
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def mlwarden(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "mlwarden", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def preview(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    return mlwarden("preview", "--cwd", str(PROGRAMS / program), "--stack", "test", *args)


@pytest.fixture(scope="module")
def small_json() -> dict:
    result = preview("small", "--format", "json")
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_mandatory_violation_exits_1_and_names_the_policy_and_resource() -> None:
    result = preview("small")
    assert result.returncode == 1, result.stderr
    assert "kms-key-rotation-enabled" in result.stdout
    assert "aws:kms/key:Key: no-rotation" in result.stdout
    assert "__main__.py:24" in result.stdout


def test_json_report_follows_the_documented_contract(small_json: dict) -> None:
    assert set(small_json) >= {"project", "stack", "resources", "policyPacks", "diagnostics", "summary"}
    assert (small_json["project"], small_json["stack"]) == ("small", "test")
    resource = small_json["resources"][0]
    assert set(resource) == {
        "urn",
        "type",
        "name",
        "parent",
        "custom",
        "inputs",
        "dependencies",
        "propertyDependencies",
    }
    (pack,) = small_json["policyPacks"]
    assert (pack["name"], pack["version"]) == ("mlwarden", "0.1.0")
    diagnostic = small_json["diagnostics"][0]
    assert set(diagnostic) >= {"policyPack", "policy", "urn", "message", "enforcementLevel", "severity"}


def test_exempted_results_are_reported_as_advisory_and_do_not_fail(small_json: dict) -> None:
    rotation = {d["resourceName"]: d for d in small_json["diagnostics"] if d["policy"] == "kms-key-rotation-enabled"}
    assert rotation["no-rotation"]["enforcementLevel"] == "mandatory"
    assert rotation["exempted"]["enforcementLevel"] == "advisory"
    assert rotation["exempted"]["state"] == "exempted"
    assert "imported key material rotates by re-import" in rotation["exempted"]["message"]
    assert "compliant" not in rotation


def test_sarif_report_is_valid_sarif_2_1_0_with_locations() -> None:
    result = preview("small", "--format", "sarif")
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    results = log["runs"][0]["results"]
    failing = next(r for r in results if r["ruleId"] == "kms-key-rotation-enabled" and r["level"] == "error")
    location = failing["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "__main__.py"
    assert location["region"]["startLine"] == 24
    suppressed = next(r for r in results if r.get("suppressions"))
    assert "re-import" in suppressed["suppressions"][0]["justification"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all("security-severity" in r["properties"] for r in rules)


def test_junit_report_parses_with_violations_as_failures() -> None:
    result = preview("small", "--format", "junit")
    root = ET.fromstring(result.stdout)
    failures = root.findall(".//testcase/failure")
    assert [f.get("message") for f in failures] == [
        "Symmetric customer-managed KMS keys must rotate their key material automatically."
    ]
    assert root.get("failures") == "1"
    assert root.findall(".//testcase/skipped")


def test_markdown_report_leads_with_the_verdict() -> None:
    result = preview("small", "--format", "markdown")
    assert result.stdout.startswith("### ❌ **mlwarden preview failed**")
    assert "`kms-key-rotation-enabled`" in result.stdout


def test_output_option_writes_the_report_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = preview("small", "--format", "json", "--output", str(out))
    assert result.stdout == ""
    assert json.loads(out.read_text())["project"] == "small"


def test_disabling_the_failing_policy_makes_the_run_pass(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"kms-key-rotation-enabled": "advisory"}))
    result = preview("small", "--policy-pack-config", str(config))
    assert result.returncode == 0, result.stdout


def test_fail_on_counts_advisory_findings_at_or_above_the_severity(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"kms-key-rotation-enabled": "advisory"}))
    assert preview("small", "--policy-pack-config", str(config), "--fail-on", "high").returncode == 1
    assert preview("small", "--policy-pack-config", str(config), "--fail-on", "critical").returncode == 0


def test_invalid_policy_config_exits_2_with_the_engines_kind_of_message(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"kms-key-rotation-enabled": {"maximumRotationPeriodDays": 5}}))
    result = preview("small", "--policy-pack-config", str(config))
    assert result.returncode == 2
    assert "validating policy config: mlwarden 0.1.0" in result.stderr
    assert "maximumRotationPeriodDays: 5 is less than the minimum of 90" in result.stderr


def test_unknown_policy_in_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"no-such-policy": "mandatory"}))
    result = preview("small", "--policy-pack-config", str(config))
    assert result.returncode == 2
    assert "no-such-policy: not a policy of mlwarden 0.1.0" in result.stderr


def test_invalid_project_file_exits_2_with_the_field() -> None:
    result = mlwarden("preview", "--cwd", str(PROGRAMS / "bad-project"), "--stack", "test")
    assert result.returncode == 2
    assert "is not a valid Pulumi project file" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_stack_config_exits_2() -> None:
    result = mlwarden("preview", "--cwd", str(PROGRAMS / "small"), "--stack", "prod")
    assert result.returncode == 2
    assert "no config file for stack 'prod'" in result.stderr


def test_program_error_exits_2_with_the_programs_exception_file_and_line() -> None:
    result = preview("raises")
    assert result.returncode == 2
    assert "ValueError: team 'ml' has no dataset bucket configured" in result.stderr
    assert "raises/__main__.py:6" in result.stderr
    assert "Traceback" not in result.stderr


def test_unsupported_invoke_exits_2_naming_the_function() -> None:
    result = preview("unsupported-invoke")
    assert result.returncode == 2
    assert "aws:ec2/getAmi:getAmi" in result.stderr


def test_rules_command_lists_the_catalogue_as_json() -> None:
    result = mlwarden("rules", "--format", "json")
    assert result.returncode == 0
    assert any(r["name"] == "kms-key-rotation-enabled" for r in json.loads(result.stdout))
