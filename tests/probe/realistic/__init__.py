"""Labelled apps in the shapes other people write (nested routes, envelopes, login flows, body ids,
other token schemes, Flask): each module has `create_app(vulnerable)`, `EXPECTED` findings for the
vulnerable twin as (kind, operation) pairs, and `identities(url)`."""
