"""The token command the launcher prints is the one that works for that stack."""

from __future__ import annotations

from pathlib import Path

from deploy.services import ROOT, token_command


def test_make_run_on_the_defaults_prints_the_plain_token_command():
    assert token_command(ROOT / ".fleetledger", 8000) == "make -s token"


def test_demo_mode_prints_the_demo_state_dir_relative_to_the_checkout():
    assert (
        token_command(ROOT / ".fleetledger" / "demo", 8000)
        == "FLEET_STATE_DIR=.fleetledger/demo make -s token"
    )


def test_another_state_dir_and_port_are_both_named():
    assert token_command(Path("/srv/fleet"), 9000) == (
        "FLEET_STATE_DIR=/srv/fleet FLEET_COMMAND_URL=http://127.0.0.1:9000 make -s token"
    )
