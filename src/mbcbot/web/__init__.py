"""The web front end: an HTTP API and an embeddable chat widget (install with `mbcbot[web]`)."""
