"""`python -m deploy.simulator`: drive a simulated fleet against the command service."""

from __future__ import annotations

import asyncio
import json
import sys

from rich.console import Console

from deploy.simulator.client import SimulatorError
from deploy.simulator.config import parse_args
from deploy.simulator.progress import summary, summary_json
from deploy.simulator.runner import simulate


def main(argv: list[str] | None = None, prog: str = "python -m deploy.simulator") -> int:
    config = parse_args(argv, prog)
    try:
        report = asyncio.run(simulate(config))
    except SimulatorError as exc:
        sys.stderr.write(f"\nsimulator stopped: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\nsimulator interrupted\n")
        return 130
    Console().print(summary(report))
    if config.report_json is not None:
        config.report_json.write_text(json.dumps(summary_json(report), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
