"""The GraphQL API: strawberry types, resolvers and the ASGI app."""
