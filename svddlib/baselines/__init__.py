"""Baselines of Chong et al. 2020 (Tables II-IV): shallow detectors, GEO, standard Deep SVDD."""
