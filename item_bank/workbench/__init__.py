"""The item writers' and reviewers' workbench: authoring, review, coverage, statistics, pretest."""
