"""The README's "Try it" block, pasted literally into bash against a fresh `make run`.

The block is the one after the `<!-- replay: ... -->` marker. Only the ports change
(the suite must not collide with a stack on 8000/8001). Every `# → NNN` comment in
the block is the status the request above it must answer, in order; a wrapped `curl`
reports each real status on stderr, so a README that drifts from the API fails here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest

from deploy.services import ROOT
from tests.pipeline.launched import Launched, launched

REPLAYED = re.compile(r"<!-- replay:[^>]*-->\s*```sh\n(.*?)```", re.S)
EXPECTED = re.compile(r"^# → (\d{3})\b", re.M)
PRELUDE = """\
set -euo pipefail
# the suite already runs in the virtualenv the stamp describes: never reinstall from here
make() { command make -o .venv/.installed "$@"; }
curl() { command curl -w '%{stderr}HTTP %{http_code}\\n' "$@"; }
"""


def replayed_block() -> str:
    found = REPLAYED.search((ROOT / "README.md").read_text())
    assert found, "README.md lost its replayed block (the <!-- replay: --> marker)"
    return found.group(1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Launched]:
    with launched() as started:
        yield started


def replay(stack: Launched, block: str) -> subprocess.CompletedProcess[str]:
    script = PRELUDE + block.replace("localhost:8000", f"localhost:{stack.command_port}").replace(
        "localhost:8001", f"localhost:{stack.query_port}"
    )
    return subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def json_lines(stdout: str) -> list[dict]:
    """The JSON objects the block printed (`jq -c`), in order."""
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def first(lines: list[dict], predicate: Callable[[dict], bool]) -> dict:
    return next(line for line in lines if predicate(line))


def test_the_walk_through_needs_only_curl_jq_and_python3():
    for tool in ("curl", "jq", "python3", "bash"):
        assert shutil.which(tool), f"{tool} is missing (make test installs jq when it can)"


def test_the_try_it_block_answers_every_status_it_promises(stack: Launched):
    block = replayed_block()
    expected = [int(code) for code in EXPECTED.findall(block)]
    assert len(expected) >= 8

    result = replay(stack, block)

    assert result.returncode == 0, result.stderr[-3000:]
    statuses = [int(code) for code in re.findall(r"^HTTP (\d{3})$", result.stderr, re.M)]
    assert statuses == expected, result.stdout[-3000:]
    booking = re.search(r"^booked (\S+)$", result.stdout, re.M)
    assert booking, result.stdout
    booked = booking.group(1)
    lines = json_lines(result.stdout)
    assert first(lines, lambda x: set(x) == {"booking_id"}) == {"booking_id": booked}
    conflict = first(lines, lambda x: "conflicts" in x)
    assert conflict["status"] == 409
    assert [c["id"] for c in conflict["conflicts"]] == [booked]
    read_own = first(lines, lambda x: x.get("status") == "confirmed")
    assert read_own["booking_id"] == booked
    assert first(lines, lambda x: "booked_seconds" in x)["booked_seconds"] == 3 * 3600
