"""Barcode scanning: parse_scan reads GS1, HIBCC, EAN/UPC and the app's own labels into a Scan."""

from pwa.scanning.scan import Scan, parse_scan

__all__ = ["Scan", "parse_scan"]
