"""Running the service: backup and restore, retention of personal data, structured logs."""
