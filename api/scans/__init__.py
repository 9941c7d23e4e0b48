"""Waste scans: create, run through the analyser, ground in the knowledge base, report."""
