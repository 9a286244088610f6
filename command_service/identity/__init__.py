"""Accounts, sign-in and access tokens (API.md §Identity). Kept out of the event streams."""
