"""The neutral core both sides read: schema, declarations, fiscal calendar, vocabularies, rule texts.

It imports nothing of ingest, metrics, publish or the dashboard (the import contract in
pyproject.toml checks this).
"""
