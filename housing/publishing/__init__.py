"""The public site pipeline: export -> Markdown -> MkDocs build -> checks -> publish.

Each module has one job; ``pipeline.publish()`` chains them.
"""
