"""Endpoint kinds: each evaluates an endpoint definition of its ``kind`` at one
timepoint over a block of subjects and returns a :class:`~endpoints.kinds.base.Block`."""
