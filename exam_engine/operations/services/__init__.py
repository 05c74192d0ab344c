"""Services of operations: backup and restore, record holds, retention."""
