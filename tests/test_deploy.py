"""The deployment files agree with the code: the CloudFormation template passes cfn-lint and
declares exactly the table `dynaguard.store.table` creates; the IAM policy grants exactly the
DynamoDB operations the code calls, no more; the Dockerfile runs the ASGI factory unprivileged
with writable paths under /tmp only."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from dynaguard.store import table as table_module

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "deploy" / "table.yaml"
POLICY = REPO / "deploy" / "iam-policy.json"
DOCKERFILE = REPO / "Dockerfile"


def _template() -> Any:
    return cfn_yaml.load(str(TEMPLATE))


def test_template_passes_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _plain(value: Any) -> Any:
    """cfn-lint's YAML nodes as plain dicts and lists."""
    return json.loads(json.dumps(value))


def test_template_declares_the_table_the_code_creates() -> None:
    table = _plain(_template()["Resources"]["Table"])
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == table_module._KEY_SCHEMA
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(
        table_module._attribute_definitions(), key=str
    )
    indexes = {index["IndexName"]: index for index in props["GlobalSecondaryIndexes"]}
    assert indexes[table_module.GSI_TENANT]["KeySchema"] == table_module._GSI_KEY_SCHEMA
    assert indexes[table_module.GSI_TENANT]["Projection"] == {"ProjectionType": "ALL"}
    visible = indexes[table_module.GSI_VISIBLE]
    assert visible["KeySchema"] == table_module._GSI_VISIBLE_KEY_SCHEMA
    assert visible["Projection"]["ProjectionType"] == "INCLUDE"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": table_module.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert table["DeletionPolicy"] == "Retain"


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _operations_the_code_calls() -> set[str]:
    """`dynamodb:<Op>` for every client method the served app calls: the engine's data-plane
    calls, plus DescribeTable, which start-up makes to check the table in aws mode."""
    engine = REPO / "src" / "dynaguard" / "store" / "_engine.py"
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(engine.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "_client"
    }
    assert calls, "no client calls found in the engine"
    # IAM has no action of its own for a transaction: each of its Put, Update and Delete actions
    # is checked as PutItem, UpdateItem and DeleteItem, which the engine also calls directly
    if "transact_write_items" in calls:
        calls -= {"transact_write_items"}
        assert {"put_item", "update_item", "delete_item"} <= calls
    startup = (REPO / "src" / "dynaguard" / "startup.py").read_text()
    assert "describe_table(client" in startup
    return {f"dynamodb:{_camel(call)}" for call in calls} | {"dynamodb:DescribeTable"}


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


@pytest.mark.parametrize("source", ["template", "policy file"])
def test_iam_policy_grants_exactly_what_the_code_calls(source: str) -> None:
    if source == "template":
        policy = _plain(_template()["Resources"]["ServicePolicy"]["Properties"]["PolicyDocument"])
    else:
        policy = json.loads(POLICY.read_text())
    assert _actions(policy["Statement"]) == _operations_the_code_calls()
    assert not any("*" in action for action in _actions(policy["Statement"]))


def _final_stage(text: str) -> list[str]:
    lines = [line.strip() for line in text.replace("\\\n", " ").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    starts = [index for index, line in enumerate(instructions) if line.startswith("FROM ")]
    return instructions[starts[-1] :]


def test_dockerfile_runs_the_factory_unprivileged_with_no_build_tools() -> None:
    final = _final_stage(DOCKERFILE.read_text())
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert not any(re.search(r"apt-get|apk |gcc|build-essential|pip install", x) for x in final)
    writable = re.findall(r"DYNAGUARD_(?:DATA|CACHE)_DIR=(\S+)", " ".join(final))
    assert writable and all(path.startswith("/tmp/") for path in writable)
    command = json.loads(next(line for line in final if line.startswith("CMD "))[4:])
    target = command[-1]
    module_name, _, call = target.partition(":")
    assert call.endswith("()")
    factory = getattr(importlib.import_module(module_name), call[:-2])
    assert callable(factory)
    worker = command[command.index("--worker-class") + 1]
    worker_module, _, worker_class = worker.rpartition(".")
    assert hasattr(importlib.import_module(worker_module), worker_class)
