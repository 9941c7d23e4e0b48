"""The browser client served at `/`: static files from this package, no build step (docs/web.md)."""
