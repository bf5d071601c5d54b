"""``pathways export verify FILE``: check a case export against its manifest.

Needs no database and no account: whoever holds the zip (a third party included) can check it.
Exit 0 when every file matches the manifest (and the manifest the hash given, if one is);
exit 1 naming each altered, missing or unlisted file; exit 2 for a file that cannot be read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from application.case_export import verify_export
from cli.common import FAILURE, fail

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")

export_app = typer.Typer(no_args_is_help=True, help="Case exports.")


@export_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A case export (.zip).")],
    manifest_sha256: Annotated[
        str | None,
        typer.Option(
            "--manifest-sha256",
            metavar="HEX",
            help="The manifest hash printed when the export was made: checks the manifest too.",
        ),
    ] = None,
) -> None:
    """Exit 0 when the export is intact; exit 1 naming each altered file."""
    if manifest_sha256 is not None and not SHA256.match(manifest_sha256):
        fail("--manifest-sha256: give the 64 hexadecimal digits printed with the export")
    try:
        data = file.read_bytes()
    except OSError as unreadable:
        fail(f"FILE: cannot read '{file}': {unreadable.strerror}")
    check = verify_export(data, manifest_sha256)
    if not check.ok:
        typer.echo(f"export altered: {check.problem}", err=True)
        raise typer.Exit(FAILURE)
    typer.echo("export intact: every file matches manifest.json")
    typer.echo(f"manifest: {check.manifest_sha256}")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
