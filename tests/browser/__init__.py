"""Real-browser tests: Playwright driving Debian's Chromium against `mbcbot serve` (and nginx)."""
