"""How claims reach insurers: one adapter per channel (see ``registry``)."""
