"""Services of the analysis package, one module per job."""
