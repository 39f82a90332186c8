"""``mlwarden graph``: the environment's security layers as a Mermaid diagram, from the recorded program."""

from __future__ import annotations

import re
import subprocess
import sys

import pulumi_aws as aws
import pytest
from testkit.component_kit import Kit
from testkit.paths import ROOT

from mlwarden import graph
from mlwarden.components import WorkloadRole, WorkloadRoleArgs
from mlwarden.recorder import Recording

ENVIRONMENT = "mlwarden:environment:SecureMlEnvironment"
NODE = re.compile(r'^    (n\w+)\["([^"]+)"\]$')
EDGE = re.compile(r"^  (n\w+) (-->|<-->) (n\w+)$")


@pytest.fixture(scope="module")
def dev() -> Recording:
    return Kit().record_stack("dev")


@pytest.fixture(scope="module")
def diagram(dev: Recording) -> str:
    return graph.render(dev)


def nodes(diagram: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for line in diagram.splitlines() if (m := NODE.match(line))}


def edges(diagram: str) -> set[tuple[str, str, str]]:
    return {(m.group(1), m.group(2), m.group(3)) for line in diagram.splitlines() if (m := EDGE.match(line))}


def node_id(type_: str, name: str) -> str:
    return "n" + re.sub(r"[^A-Za-z0-9]", "_", f"{type_}_{name}")


def test_the_diagram_is_a_fenced_mermaid_flowchart(diagram: str) -> None:
    assert diagram.startswith("```mermaid\nflowchart LR\n")
    assert diagram.endswith("```\n")


def test_every_line_is_a_subgraph_a_node_or_an_edge(diagram: str) -> None:
    body = diagram.splitlines()[2:-1]
    for line in body:
        assert NODE.match(line) or EDGE.match(line) or line == "  end" or line.startswith("  subgraph "), line


def test_the_dev_environment_fills_every_layer_in_order(dev: Recording, diagram: str) -> None:
    assert graph.layers_present(dev) == ["network", "identity", "workloads", "data", "detection"]
    titles = [line.split('"')[1] for line in diagram.splitlines() if line.startswith("  subgraph ")]
    assert titles == [title for _, title in graph.LAYERS]


def test_the_nodes_are_the_components_the_environment_declares(dev: Recording, diagram: str) -> None:
    environment = dev.named("ml", ENVIRONMENT)
    declared = {node_id(c.type, c.name) for c in dev.children(environment.urn)}
    assert set(nodes(diagram)) == declared


def test_a_composite_of_components_is_not_a_node(diagram: str) -> None:
    assert node_id(ENVIRONMENT, "ml") not in nodes(diagram)


def test_a_component_with_resources_of_its_own_is_one_node(diagram: str) -> None:
    assert nodes(diagram)[node_id("mlwarden:network:IsolatedNetwork", "network")] == "IsolatedNetwork<br/>network"
    assert not [label for label in nodes(diagram).values() if label.startswith(("Vpc<", "Subnet<"))]


def test_every_edge_joins_declared_nodes(diagram: str) -> None:
    declared = set(nodes(diagram))
    for a, _, b in edges(diagram):
        assert a in declared
        assert b in declared


def test_grants_draw_a_role_to_the_bucket_it_may_use(diagram: str) -> None:
    training = node_id("mlwarden:iam:WorkloadRole", "training")
    datasets = node_id("mlwarden:storage:SecureBucket", "datasets")
    assert (training, "-->", datasets) in edges(diagram)


def test_a_bucket_points_to_its_key_and_its_access_log_bucket(diagram: str) -> None:
    datasets = node_id("mlwarden:storage:SecureBucket", "datasets")
    assert (datasets, "-->", node_id("mlwarden:kms:EncryptionKey", "datasets")) in edges(diagram)
    assert (datasets, "-->", node_id("mlwarden:storage:SecureBucket", "access_logs")) in edges(diagram)


def test_mutual_references_are_drawn_once_in_both_directions(diagram: str) -> None:
    # The training role is granted the models key, and the key's policy names the role.
    role, key = node_id("mlwarden:iam:WorkloadRole", "training"), node_id("mlwarden:kms:EncryptionKey", "models")
    found = edges(diagram)
    assert (min(role, key), "<-->", max(role, key)) in found
    assert (role, "-->", key) not in found
    assert (key, "-->", role) not in found


def test_a_resource_outside_any_component_is_its_own_node() -> None:
    kit = Kit()

    def program() -> None:
        role = WorkloadRole("app", WorkloadRoleArgs(), context=kit.context)
        aws.sqs.Queue("jobs")
        aws.s3.Bucket("loose", bucket="loose-bucket", tags={"owner": role.role_name})

    diagram = graph.render(kit.record(program))
    assert set(nodes(diagram)) == {
        node_id("mlwarden:iam:WorkloadRole", "app"),
        node_id("aws:sqs/queue:Queue", "jobs"),
        node_id("aws:s3/bucket:Bucket", "loose"),
    }


def test_the_cli_prints_the_dev_stack_diagram() -> None:
    done = subprocess.run(
        [sys.executable, "-P", "-m", "mlwarden.cli", "graph", "--stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("```mermaid\n")
    assert "SecureBucket<br/>datasets" in done.stdout
