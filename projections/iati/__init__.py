"""IATI 2.03: the registry's partnerships as the activities of the aid-transparency standard.

- ``export``: the file of an M49 area at a log position (``iati_export``), validated;
- ``partnerships``: the area's partnerships folded from the audit log;
- ``building``: the XML, element by element in the schema's order;
- ``codes``: the IATI codes the registry's values map to, and the publisher's settings;
- ``text``: text, numbers and dates as the XML carries them;
- ``validation``: the shipped official schema (``xsd/``), loaded without the network.

``docs/iati.md`` documents the mapping.
"""
