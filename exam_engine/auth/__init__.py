"""Accounts, roles, sign-in with per-account throttling, and the route access rules."""
