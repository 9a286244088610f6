"""Fleet simulator: a realistic fleet and days of customer behaviour via the public command API.

Run `python -m deploy.simulator --help`; see docs/simulator.md.
"""
