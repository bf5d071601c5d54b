"""The Kubernetes recipe's job template and the deployments' entrypoints, without a cluster.

No cluster runs here (deployments/kubernetes/README.md), so what can be checked is checked: the
template is the installed Prefect's own ``kubernetes`` default with only the documented changes,
it names no variable it does not declare, and every deployment's module-path entrypoint imports
the way a job's ``prefect flow-run execute`` imports it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import prefect
import pytest
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.types.entrypoint import EntrypointType
from prefect.utilities.templating import find_placeholders

from deployments.declarations import all_deployments
from infrastructure.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deployments" / "kubernetes" / "base-job-template.json"
PREFECT_DEFAULTS = (
    Path(prefect.__file__).parent
    / "server/api/collections_data/views/aggregate-worker-metadata.json"
)
ADDED_VARIABLES = {"settings_secret"}
ADDED_TO_CONTAINER = {"envFrom", "securityContext"}


def ours() -> dict[str, Any]:
    template: dict[str, Any] = json.loads(TEMPLATE.read_text())
    return template


def prefects_default() -> dict[str, Any]:
    workers = json.loads(PREFECT_DEFAULTS.read_text())
    default: dict[str, Any] = workers["prefect-kubernetes"]["kubernetes"][
        "default_base_job_configuration"
    ]
    return default


def container(template: dict[str, Any]) -> dict[str, Any]:
    spec = template["job_configuration"]["job_manifest"]["spec"]["template"]["spec"]
    found: dict[str, Any] = spec["containers"][0]
    return found


def test_the_job_configuration_is_prefects_default_plus_the_secret_and_security() -> None:
    template = ours()
    assert container(template)["envFrom"] == [{"secretRef": {"name": "{{ settings_secret }}"}}]
    assert container(template)["securityContext"]["runAsNonRoot"] is True
    without_ours = copy.deepcopy(template)
    for key in ADDED_TO_CONTAINER:
        del container(without_ours)[key]
    assert without_ours["job_configuration"] == prefects_default()["job_configuration"]


def test_the_variables_are_prefects_with_the_documented_defaults() -> None:
    variables = ours()["variables"]["properties"]
    default = prefects_default()["variables"]["properties"]
    assert set(variables) == set(default) | ADDED_VARIABLES
    for name, schema in default.items():
        assert variables[name].get("type") == schema.get("type"), name
    assert variables["namespace"]["default"] == "pathways"
    assert variables["settings_secret"]["default"] == "pathways-settings"
    assert variables["env"]["default"]["PATHWAYS_DISPATCH"] == "deployment"
    # The image comes from each deployment (deploy --image), never a fallback to Prefect's own.
    assert "default" not in variables["image"]


def test_every_placeholder_is_a_declared_variable() -> None:
    template = ours()
    named = {placeholder.name for placeholder in find_placeholders(template["job_configuration"])}
    assert named <= set(template["variables"]["properties"]), named


@pytest.mark.parametrize(
    "deployment",
    all_deployments(EntrypointType.MODULE_PATH),
    ids=lambda deployment: deployment.name,
)
def test_each_deployments_module_path_entrypoint_loads_its_flow(
    deployment: RunnerDeployment,
) -> None:
    assert deployment.entrypoint is not None
    assert ":" not in deployment.entrypoint  # a module path, not a file in a checkout
    flow: Flow[..., Any] = load_flow_from_entrypoint(
        deployment.entrypoint, use_placeholder_flow=False
    )
    assert flow.name == deployment.flow_name
