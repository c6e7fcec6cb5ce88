"""Publishing: reporting-workflow moves, the public quarterly archive, and the demo builder.

The one room that may use both ingest (to write) and metrics (to read what the public sees).
"""
