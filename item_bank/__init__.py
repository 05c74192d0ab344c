"""Qualification taxonomy, item bank, review workflow and item statistics."""
