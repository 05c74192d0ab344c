"""Attempts, responses, timing, scoring and the learner's test runner."""
