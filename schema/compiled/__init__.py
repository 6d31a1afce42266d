"""The compiled-read executor: covered query operations as one SQL statement each."""

from schema.compiled.extension import CompiledReads

__all__ = ["CompiledReads"]
