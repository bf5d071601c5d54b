"""Register the deployments on a work pool, for a cluster of workers.

    python -m deployments.deploy --pool pathways

Entrypoints are module paths into the installed package, so a process worker started from
this project's virtualenv (``make install``) can import every flow without pulling code.
"""

from __future__ import annotations

import argparse

from prefect.types.entrypoint import EntrypointType

from deployments.declarations import all_deployments


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deployments.deploy", description=__doc__)
    parser.add_argument("--pool", required=True, help="name of an existing work pool")
    args = parser.parse_args(argv)
    for deployment in all_deployments(EntrypointType.MODULE_PATH):
        deployment_id = deployment.apply(work_pool_name=args.pool)
        print(f"{deployment.flow_name}/{deployment.name} -> {args.pool} ({deployment_id})")


if __name__ == "__main__":
    main()
