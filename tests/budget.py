"""How hard the property tests try: the hypothesis profiles and the per-test budgets.

`make test` runs the `default` profile, sized so the suite stays quick; `make fuzz`
sets `CAREPATH_FUZZ=1` and selects the `fuzz` profile, the long campaign. A test
whose examples are costly asks for fewer in `make test` with `examples(n)`, and
still gets the whole fuzz budget under `make fuzz` (a plain `@settings(max_examples=n)`
would pin it to n in both, so the campaign would never look further).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ = bool(os.environ.get("CAREPATH_FUZZ"))

settings.register_profile("default", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fuzz" if FUZZ else "default")


def examples(quick: int, **more) -> settings:
    """`quick` examples in `make test`; the fuzz profile's count under `make fuzz`."""
    return settings(max_examples=settings.get_profile("fuzz").max_examples if FUZZ else quick, **more)
