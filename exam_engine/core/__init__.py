"""Foundation: configuration, the database, Flask extensions, the unit of work, and web plumbing
(errors, security headers, request logs, URL converters) every package builds on."""
