"""The GraphQL API: strawberry types, resolvers, limits and the response cache.

The ASGI app that serves it lives in ``entrypoints.web``; this package never imports it.
"""
