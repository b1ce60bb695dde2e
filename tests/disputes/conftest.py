# Detentions for the disputes tests are made the way the detainees tests make them.
from tests.detainees.conftest import make_detention  # noqa: F401
