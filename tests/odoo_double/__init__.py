"""An in-memory Odoo for the tests: the models, workflow methods and RPC endpoints the sync engine uses, with
switchable faults (down, slow, HTTP 500, expired session, dropped connection after a committed call).

A test tool only; it is never shipped in the product.
"""
from .server import Faults, OdooDouble

__all__ = ["Faults", "OdooDouble"]
