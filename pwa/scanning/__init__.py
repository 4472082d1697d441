"""Barcode scanning: parse_scan reads GS1, HIBCC, EAN/UPC and the app's own labels into a Scan."""

from pwa.scanning.scan import ERROR_REASONS, Scan, ambiguous_readings, parse_scan

__all__ = ["ERROR_REASONS", "Scan", "ambiguous_readings", "parse_scan"]
