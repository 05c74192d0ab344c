"""Invigilation's models: centres and candidates, sessions and sittings, the event log, set-up changes."""
