"""Test blueprints: their rules, validation, feasibility and coverage."""
