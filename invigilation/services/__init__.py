"""Invigilation services: each public function is one transaction (commit or nothing)."""
