"""The release version, defined once: the API reports it and `wastectl --version` reads it from here.

Standard library only (nothing to import), so `wastectl --version` stays instant.
"""

__version__ = "0.1.0"
