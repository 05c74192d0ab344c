"""Pure item response theory and classical test statistics (numpy/scipy only)."""
