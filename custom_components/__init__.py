"""Home Assistant custom components (package marker so tests can import them)."""
