"""Real services (PostgreSQL) that the test suite starts on this machine."""
