"""The README's coordinator walk-through, run verbatim against a running ``pathways serve``.

Its lines are read from the README itself, so the README cannot drift from what works. Each
command must exit 0 with no traceback, find the running system by itself (no PREFECT_API_URL
is given to it), and put its flow runs on that system's Prefect server.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.settings import PREFECT_API_URL, temporary_settings

from infrastructure.settings import PROJECT_ROOT
from simulation.smtp import free_port
from tests.integration.test_serve import PATHWAYS, descendants, healthy, still_running
from tests.support.off_loop import run_coroutine

README = PROJECT_ROOT / "README.md"
PLACEHOLDER = "JP-7K3Q-9D2F"
GIVE_UP_AFTER = 300.0
REFERENCE = re.compile(r"opened (JP-[0-9A-Z]{4}-[0-9A-Z]{4})")
REFERENCE_WHOLE = re.compile(r"JP-[0-9A-Z]{4}-[0-9A-Z]{4}")
PARTIAL = re.compile(r"JP-[0-9A-Z-]*")


def walkthrough_commands() -> list[str]:
    text = README.read_text("utf-8")
    block = text.split("<!-- walkthrough:start", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    body = block.split("```sh\n", 1)[1].split("```", 1)[0]
    joined = body.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip()]


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A running system as `make run` starts it, but in tmp_path and on free ports; yields the
    environment a second terminal has (no PREFECT_API_URL) and the server's API URL."""
    prefect_port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PATHWAYS_SMTP_URL")}
    env |= {
        "PATHWAYS_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        "PATHWAYS_MAIL_DIR": str(tmp_path / "mail"),
        "PATHWAYS_RUN_DIR": str(tmp_path / "run"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "COLUMNS": "80",
    }
    command = [str(PATHWAYS), "serve", "--no-demo", "--port", str(free_port())]
    command += ["--prefect-port", str(prefect_port), "--smtp-port", str(free_port())]
    with (tmp_path / "serve.out").open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    api = f"http://127.0.0.1:{prefect_port}/api"
    try:
        deadline = time.monotonic() + GIVE_UP_AFTER
        while not (tmp_path / "run" / "serve.json").exists() or not healthy(api):
            assert process.poll() is None, (tmp_path / "serve.out").read_text()
            assert time.monotonic() < deadline, "pathways serve did not come up"
            time.sleep(0.5)
        yield env, api
    finally:
        left = descendants(process.pid)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        for pid, start in left.items():
            if still_running(pid, start):
                os.kill(pid, signal.SIGKILL)


def flow_runs_tagged(api: str, tag: str) -> list[str]:
    async def read() -> list[str]:
        with temporary_settings({PREFECT_API_URL: api}):
            async with get_client() as client:
                runs = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[tag]))
                )
                return [run.name for run in runs]

    return run_coroutine(read())


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written_on_the_running_system(
    system: tuple[dict[str, str], str],
) -> None:
    env, api = system
    reference = None
    for line in walkthrough_commands():
        command = line if reference is None else line.replace(PLACEHOLDER, reference)
        done = subprocess.run(
            ["bash", "-c", command], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{line}\nexit {done.returncode}:\n{output}"
        assert "Traceback" not in output, f"{line}\n{output}"
        # As read in an 80-column terminal: nothing wider, and no case reference cut.
        assert max(map(len, output.splitlines()), default=0) <= 80, f"{line}\n{output}"
        assert all(REFERENCE_WHOLE.fullmatch(ref) for ref in PARTIAL.findall(output)), output
        if reference is None and (found := REFERENCE.search(output)):
            reference = found.group(1)
    assert reference is not None, "the walk-through's `case open` printed no reference"
    runs = flow_runs_tagged(api, f"case:{reference}")
    # The opening and the three steps each ran their pathway flow on the system's own server.
    assert len(runs) == 4, runs
    assert all(name.startswith(reference) for name in runs), runs


def test_without_a_running_system_a_write_says_so_and_writes_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {
        "PATHWAYS_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "PATHWAYS_RUN_DIR": str(tmp_path / "run"),
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
    }
    for command in (
        [str(PATHWAYS), "directory", "list"],  # migrates and imports the directory
        [str(PATHWAYS), "staff", "add", "ho.swale", "--name", "HO", "--email", "ho@swale.example",
         "--role", "lha-housing-officer", "--team", "lha", "--authority", "swale"],
    ):  # fmt: skip
        subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    opened = subprocess.run(
        [str(PATHWAYS), "case", "open", "youth-1617-intake", "--authority", "swale",
         "--as", "ho.swale", "--input", "examples/youth-1617-intake/record_enquiry.json"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert opened.returncode == 1, opened.stdout + opened.stderr
    assert opened.stderr.strip().splitlines() == [
        "error: no running system to record this on: start it with `make run` "
        "(or `.venv/bin/pathways serve`) in another terminal, or set PREFECT_API_URL"
    ]
    listed = subprocess.run(
        [str(PATHWAYS), "case", "list", "--as", "ho.swale", "--json"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert listed.stdout.strip() == "[]"
