"""Click commands of the `exam-engine` command line, one module per concern."""
