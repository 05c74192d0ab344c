"""Centres, sessions, candidates under invigilation, incidents and the event log."""
