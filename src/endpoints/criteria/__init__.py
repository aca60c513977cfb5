"""Endpoint families, each evaluated from its definition over a canonical visit table."""
