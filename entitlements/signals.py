"""Signals the entitlements app sends to the apps above it (which it may not import)."""

from django.dispatch import Signal

# A qualifying policy stopped being in force (lapsed, surrendered, terminated): ``policy`` and
# ``ended_on``, the first day it is no longer in force. Sent inside the feed's transaction; the
# cases app flags the open cases drawing on it.
policy_ended = Signal()
