"""Checkers, grouped by family. Every module here registers its checkers on import."""
