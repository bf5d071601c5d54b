"""The Kubernetes recipe against a real Prefect server, as far as it goes without a cluster.

The server takes ``deployments/kubernetes/base-job-template.json`` for a ``kubernetes`` pool;
``python -m deployments.deploy --pool … --image …`` puts every deployment on it with the image
(and refuses to without one); and each deployment's job renders, through Prefect's own
templating, to a Job that runs the image with the settings Secret. What a cluster would do
with that Job is not tested (deployments/kubernetes/README.md).

The session's Prefect server is shared, and other tests read which declared deployments it
has, so this one removes the deployments and the pool it made.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName
from prefect.client.schemas.responses import DeploymentResponse
from prefect.exceptions import ObjectNotFound
from prefect.workers.base import BaseJobConfiguration

from deployments import deploy
from deployments.declarations import all_deployments
from infrastructure.settings import PROJECT_ROOT
from tests.support.off_loop import off_loop, run_coroutine

pytestmark = pytest.mark.usefixtures("prefect_server")

TEMPLATE = PROJECT_ROOT / "deployments" / "kubernetes" / "base-job-template.json"
IMAGE = "registry.invalid/pathways:test"


class KubernetesJob(BaseJobConfiguration):
    """The part of prefect-kubernetes' job configuration this recipe shapes (the worker itself
    is not installed here)."""

    namespace: str
    job_manifest: dict[str, Any]


async def _deployments_on(pool: str) -> list[DeploymentResponse]:
    async with get_client() as client:
        return await client.read_deployments(
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
        )


@pytest.fixture
def kubernetes_pool() -> Iterator[str]:
    """A ``kubernetes`` pool with the recipe's template; it and its deployments removed after."""
    name = f"pathways-k8s-{uuid.uuid4().hex[:8]}"
    template = json.loads(TEMPLATE.read_text())

    async def create() -> None:
        async with get_client() as client:
            pool = WorkPoolCreate(name=name, type="kubernetes", base_job_template=template)
            await client.create_work_pool(work_pool=pool)

    async def remove() -> None:
        async with get_client() as client:
            for deployment in await _deployments_on(name):
                await client.delete_deployment(deployment.id)
            await client.delete_work_pool(name)

    run_coroutine(create())
    try:
        yield name
    finally:
        run_coroutine(remove())


def test_deploy_refuses_a_kubernetes_pool_without_an_image(
    kubernetes_pool: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        off_loop(deploy.main, ["--pool", kubernetes_pool])
    assert refused.value.code == 2
    assert "--image: a kubernetes pool starts each run from one" in capsys.readouterr().err
    assert run_coroutine(_deployments_on(kubernetes_pool)) == []


def test_every_deployment_goes_on_the_kubernetes_pool_and_renders_a_job_with_image_and_secret(
    kubernetes_pool: str,
) -> None:
    declared = {f"{d.flow_name}/{d.name}" for d in all_deployments()}
    # Deploying updates a deployment of the same name: another test's would change under it.
    assert not run_coroutine(_existing(declared)), "the session's Prefect server already has them"
    off_loop(deploy.main, ["--pool", kubernetes_pool, "--image", IMAGE])

    async def read() -> tuple[dict[str, Any], list[DeploymentResponse]]:
        async with get_client() as client:
            pool = await client.read_work_pool(kubernetes_pool)
        return pool.base_job_template, await _deployments_on(kubernetes_pool)

    template, deployments = run_coroutine(read())
    assert template == json.loads(TEMPLATE.read_text())  # the server kept it as written
    assert {f"{d.name}/{d.name}" for d in deployments} == declared
    for deployment in deployments:
        assert deployment.job_variables == {"image": IMAGE}, deployment.name
        assert deployment.entrypoint is not None
        assert deployment.entrypoint.startswith(("deployments.entrypoints.", "flows."))
        job = run_coroutine(
            KubernetesJob.from_template_and_values(template, deployment.job_variables)
        )
        _check_job(job)


async def _existing(names: set[str]) -> list[str]:
    found = []
    async with get_client() as client:
        for name in sorted(names):
            try:
                await client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            found.append(name)
    return found


def _check_job(job: KubernetesJob) -> None:
    manifest = job.job_manifest
    assert "{{" not in json.dumps(manifest), manifest  # every placeholder filled or dropped
    assert job.namespace == manifest["metadata"]["namespace"] == "pathways"
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    assert container["image"] == IMAGE
    assert container["envFrom"] == [{"secretRef": {"name": "pathways-settings"}}]
    assert container["securityContext"] == {"runAsNonRoot": True, "allowPrivilegeEscalation": False}
    assert container["resources"]["requests"] == {"cpu": "250m", "memory": "384Mi"}
    assert job.env["PATHWAYS_DISPATCH"] == "deployment"
    # No secret in what Prefect stores and shows: those come from the Secret.
    assert not {"PATHWAYS_DATABASE_URL", "PATHWAYS_SMTP_URL", "PATHWAYS_AUDIT_KEY"} & set(job.env)
