"""The experiment runner: every table and figure of Chong et al. (2020) as a sweep of runs.

``ARTEFACTS`` / ``get_spec`` (:mod:`.specs`) declare the runs per mode; ``execute_run`` /
``cache_config`` (:mod:`.execute`) run one of them.
"""
from .execute import cache_config, execute_run
from .specs import ARTEFACTS, ArtefactSpec, get_spec

__all__ = ["ARTEFACTS", "ArtefactSpec", "get_spec", "cache_config", "execute_run"]
