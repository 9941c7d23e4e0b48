"""Nearby recycling points: collection-point datasets, indexed nearest search, Kakao Local fallback."""
