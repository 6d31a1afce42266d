"""The domain: aggregates, events, codelists and rules. Imports only the standard library,
``eventsourcing`` and the registry's reference data (``registry.geography``)."""
