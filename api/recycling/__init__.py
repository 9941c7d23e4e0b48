"""Recycling guidance endpoints: the knowledge base served from the database."""
