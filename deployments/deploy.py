"""Register the deployments on a work pool, for a cluster of workers.

    python -m deployments.deploy --pool pathways
    python -m deployments.deploy --pool pathways-k8s --image registry/pathways:0.1.0

Entrypoints are module paths into the installed package, so a process worker started from
this project's virtualenv (``make install``), or a Kubernetes job running an image with the
package installed (``deployments/kubernetes``), can import every flow without pulling code.
"""

from __future__ import annotations

import argparse

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.types.entrypoint import EntrypointType

from deployments.declarations import all_deployments

CONTAINER_POOLS = frozenset({"kubernetes", "docker"})
"""Pool types whose runs start from an image: without one they would fall back to Prefect's
own image, which lacks this package, and every run would fail."""


def _pool_type(pool: str) -> str | None:
    with get_client(sync_client=True) as client:
        try:
            return client.read_work_pool(pool).type
        except ObjectNotFound:
            return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deployments.deploy", description=__doc__)
    parser.add_argument("--pool", required=True, help="name of an existing work pool")
    parser.add_argument(
        "--image",
        help="the image each run starts from, for a Kubernetes or Docker pool: this release's "
        "build of deployments/kubernetes/Dockerfile",
    )
    args = parser.parse_args(argv)
    pool_type = _pool_type(args.pool)
    if pool_type is None:
        parser.error(f"--pool: the Prefect server has no work pool named {args.pool!r}")
    if pool_type in CONTAINER_POOLS and not args.image:
        parser.error(f"--image: a {pool_type} pool starts each run from one; give the release's")
    for deployment in all_deployments(EntrypointType.MODULE_PATH):
        deployment_id = deployment.apply(work_pool_name=args.pool, image=args.image)
        print(f"{deployment.flow_name}/{deployment.name} -> {args.pool} ({deployment_id})")


if __name__ == "__main__":
    main()
