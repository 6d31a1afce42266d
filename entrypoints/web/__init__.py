"""The web layer: the ASGI app, its middleware and its HTTP routes."""
