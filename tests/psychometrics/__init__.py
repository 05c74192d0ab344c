"""Tests of the psychometrics core (a package so module names cannot clash with other test folders)."""
