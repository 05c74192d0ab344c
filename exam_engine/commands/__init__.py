"""Click commands of the exam-engine command line, registered by the main group."""
