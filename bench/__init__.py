"""Benchmarks: ``python -m bench PART``, each part on its own fresh database.

Every figure is a median over ``--runs`` runs, each measured beside a raw-asyncpg baseline taken
in the same run, and is written as JSON under ``bench/results/``. See BENCHMARKS.md.
"""
