"""contractgen: national children's placement contracts as data, with declared local variations."""

from .errors import ContractgenError, SourceError, SourceErrors

__version__ = "0.1.0"

__all__ = ["ContractgenError", "SourceError", "SourceErrors", "__version__"]
