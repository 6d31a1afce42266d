"""The outer layer: what starts the registry and what talks to the outside world.

Command line, ASGI app and its HTTP routes (downloads, the public portal), importers and demo
seeding live here. This package may import ``registry``, ``projections`` and ``schema``; none of
them may import it.
"""
