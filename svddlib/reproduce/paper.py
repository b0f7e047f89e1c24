"""The paper's numbers and findings as data.

``paper_numbers.csv`` (in this package) holds every cell of Tables I-VI of Chong et al. (2020),
transcribed once, as printed (AUC in %, mean and std; Table V and VI print the std as an
integer); ``paper_label`` is the row label as printed. :func:`paper_table` reads it with the
row and column labels of :mod:`svddlib.reproduce.specs`.

Fig. 1 and Fig. 2 print no numbers. What the text states about them (and a few findings about
the tables) is stored in :data:`CLAIMS` as comparisons between cells: each claim quotes the
paper's sentence and lists the comparisons it implies, and
:func:`svddlib.reproduce.aggregate.verdict_claim` tests them on our numbers. Statements
without a testable ordering (e.g. "no obvious trend is shown for the variance-regularized
model" in Fig. 1) are not stored.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

__all__ = ["paper_table", "paper_means", "paper_claims", "needs_imagenet", "Claim", "CLAIMS",
           "QUANTIFIERS"]

#: How many of a claim's comparisons must hold: the word of the paper -> minimal fraction.
QUANTIFIERS = {"all": 1.0, "majority": 0.5 + 1e-9, "half": 0.5}


@functools.lru_cache(maxsize=1)
def _numbers():
    import pandas as pd

    with resources.files(__package__).joinpath("paper_numbers.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"mean": float, "std": float})


def paper_table(name: str):
    """The paper's printed numbers of artefact ``name``: tidy DataFrame row, column, mean, std,
    paper_label (AUC in %), in the paper's order. Fig. 1 / Fig. 2 print no numbers: an empty
    frame (their stated findings are :func:`paper_claims`)."""
    from .specs import get_spec

    get_spec(name)  # a clear error for an unknown name
    frame = _numbers()
    return frame[frame["artefact"] == name].drop(columns="artefact").reset_index(drop=True)


def paper_means(name: str):
    """The paper's means of artefact ``name`` in its layout (rows x columns), None when it
    prints no numbers; Fig. 1's top row ('head') is Table V, its bottom row is not printed."""
    tidy = paper_table("table5" if name == "fig1" else name)
    if name == "fig1":
        tidy = tidy.assign(row=tidy["row"].str.replace("soft-boundary | ", "head | ",
                                                       regex=False))
    return tidy.pivot(index="row", columns="column", values="mean") if len(tidy) else None


# ------------------------------------------------------------------------------------ claims
@dataclass(frozen=True)
class Claim:
    """A finding of the paper as comparisons ``lhs > rhs`` between sums of cells.

    ``comparisons``: tuple of (lhs, rhs), each a tuple of (weight, row, column) terms whose
    weighted sum of cell means is compared. The claim holds when at least the fraction
    ``QUANTIFIERS[quantifier]`` of the comparisons whose cells all exist hold.
    """

    artefact: str
    name: str
    quote: str          # verbatim from the paper's text
    quantifier: str     # 'all' | 'majority' | 'half'
    comparisons: tuple
    note: str = ""


def needs_imagenet(claim: Claim) -> bool:
    """True when the finding is about CNN-feature rows: one is on the winning side of a
    comparison (such rows need ImageNet-pretrained CNN features: ResNet-18 in paper mode,
    EfficientNet-Lite0 outside it; :func:`~svddlib.reproduce.aggregate.pretrained_features`
    tells whether a sweep's runs had them)."""
    return any("CNN feat." in row for lhs, _ in claim.comparisons for _, row, _ in lhs)


def _cell(row, column, weight=1.0):
    return ((weight, row, column),)


def _gt(row_a, col_a, row_b, col_b):
    return (_cell(row_a, col_a), _cell(row_b, col_b))


def _claims() -> tuple:
    from .specs import ARTEFACTS

    cols = {n: ARTEFACTS[n].columns for n in ARTEFACTS}
    lr_cols = cols["table5"]  # per setting: lr 1e-3, 1e-2, 1e-1
    settings = [lr_cols[i:i + 3] for i in range(0, len(lr_cols), 3)]
    return (*_claims_tables_1_to_4(cols), *_claims_learning_rates_and_pooling(cols, settings),
            *_claims_table6_and_across(cols, settings))


def _claims_tables_1_to_4(cols: dict) -> list:
    """The findings of Tables I-IV."""
    from .specs import ARTEFACTS, NOISE, VAR, VARIANT_ORDER

    t4_strokes = [(c5, c9) for c5, c9 in zip(cols["table4"][0::2], cols["table4"][1::2])]
    t2_blocks = [(c2, c8) for c2, c8 in zip(cols["table2"][0::2], cols["table2"][1::2])]
    return [
        Claim("table1", "adaptive_better",
              "the adaptive weighting scheme generally improves performance in a majority of "
              "the settings", "majority",
              tuple(_gt(f"{v} | adaptive", c, f"{v} | fixed", c)
                    for v in (NOISE, VAR) for c in cols["table1"])),
        Claim("table2", "geo_best_on_blocks",
              "the GEO model [22] significantly outperforms all the other methods", "all",
              tuple(_gt("GEO w/ Dirichlet", c, r, c) for c in cols["table2"]
                    for r in ARTEFACTS["table2"].rows if r != "GEO w/ Dirichlet")),
        Claim("table2", "easier_blocks",
              "the deep SVDD model and its variants perform better on easier settings",
              "majority", tuple(_gt(v, c8, v, c2) for v in VARIANT_ORDER for c2, c8 in t2_blocks),
              note="block permutation 8x8 is taken as the larger distortion"),
        Claim("table3", "ocsvm_cnn_second",
              "the OC-SVM model with CNN features performs second best on the one-vs-all setup",
              "all", tuple(_gt("OC-SVM w/ CNN feat.", "CIFAR10 One-vs-all", r,
                               "CIFAR10 One-vs-all") for r in ARTEFACTS["table3"].rows
                           if r not in ("OC-SVM w/ CNN feat.", "GEO w/ Dirichlet"))
              + (_gt("GEO w/ Dirichlet", "CIFAR10 One-vs-all", "OC-SVM w/ CNN feat.",
                     "CIFAR10 One-vs-all"),)),
        Claim("table4", "geo_weak_on_strokes",
              "The GEO method does not perform well on the *strokes* test sets", "majority",
              tuple(_gt(f"{o} | D. SVDD", c, "GEO w/ Dirichlet", c)
                    for o in ("soft-boundary", "one-class") for c in cols["table4"]),
              note="'not well' read as: below the standard D. SVDD of the same column"),
        Claim("table4", "easier_strokes",
              "the deep SVDD model and its variants perform better on easier settings",
              "majority", tuple(_gt(f"{o} | {v}", c9, f"{o} | {v}", c5)
                                for o in ("soft-boundary", "one-class") for v in VARIANT_ORDER
                                for c5, c9 in t4_strokes),
              note="strokes 9 is the larger distortion"),
    ]


def _claims_learning_rates_and_pooling(cols: dict, settings: list) -> list:
    """The findings of Table V and Fig. 1 (learning rates) and of Fig. 2 (pooling)."""
    from .specs import NOISE, VARIANT_ORDER

    lr_cols = cols["table5"]
    return [
        Claim("table5", "low_lr_better",
              "generally perform better at low learning rate (0.001) as compared to high "
              "learning rates (0.01 and 0.1)", "majority",
              tuple(_gt(f"soft-boundary | {v}", s[0], f"soft-boundary | {v}", hi)
                    for v in VARIANT_ORDER for s in settings for hi in s[1:])),
        Claim("table5", "noise_beats_dsvdd",
              "model achieves better performance convergence than the *D. SVDD* model for a "
              "majority of the experiments", "majority",
              tuple(_gt(f"soft-boundary | {NOISE}", c, "soft-boundary | D. SVDD", c)
                    for c in lr_cols)),
        Claim("fig1", "noise_gain_grows_with_lr",
              "we observe in general a higher performance gain over the standard deep SVDD "
              "model as the learning rate increases", "majority",
              tuple((((1.0, f"{scope} | {NOISE}", hi), (-1.0, f"{scope} | D. SVDD", hi)),
                     ((1.0, f"{scope} | {NOISE}", s[0]), (-1.0, f"{scope} | D. SVDD", s[0])))
                    for scope in ("head", "all") for s in settings for hi in s[1:]),
              note="gain = AUC(noise reg.) - AUC(D. SVDD); compared with the gain at lr 1e-3"),
        Claim("fig2", "shallow_better_without_pooling",
              "the OC-SVM and IF models generally show better performance when given ResNet-18 "
              "features without pooling", "majority",
              tuple(_gt(f"no pooling | {m}", c, f"pooling | {m}", c)
                    for m in ("OC-SVM w/ CNN feat.", "IF w/ CNN feat.") for c in cols["fig2"])),
        Claim("fig2", "deep_better_without_pooling_voc",
              "Without the pooling layer, the deep SVDD model and its variants consistently "
              "perform better on the VOC2012 dataset", "all",
              tuple(_gt(f"no pooling | {v}", c, f"pooling | {v}", c)
                    for v in VARIANT_ORDER[:3] for c in cols["fig2"] if c.startswith("VOC"))),
        Claim("fig2", "deep_worse_without_pooling_wikiart",
              "consistently perform better on the VOC2012 dataset and worse for the WikiArt "
              "dataset", "all",
              tuple(_gt(f"pooling | {v}", c, f"no pooling | {v}", c)
                    for v in VARIANT_ORDER[:3] for c in cols["fig2"] if c.startswith("WikiArt"))),
    ]


def _claims_table6_and_across(cols: dict, settings: list) -> list:
    """The findings of Table VI, one over Tables II-IV, and the variance one of Table V."""
    from .specs import NOISE, VAR, VARIANT_ORDER

    return [
        Claim("table6", "noise_best_ova",
              "For the one-vs-all setup conducted with the CIFAR10 dataset, the *D. SVDD w/ "
              "bias & noise reg.* model has the best performance", "all",
              tuple(_gt(NOISE, "CIFAR10 One-vs-all", v, "CIFAR10 One-vs-all")
                    for v in VARIANT_ORDER if v != NOISE)),
        Claim("table6", "blocks_train_generalises",
              "models trained with *block permutation* train set show better performance on "
              "*strokes* test set, as compared to models trained with *strokes* train set and "
              "tested on *block permutation* test sets", "majority",
              tuple(_gt(v, cols["table6"][i], v, cols["table6"][i + 1])
                    for v in VARIANT_ORDER for i in (1, 4))),
        # a finding over Tables II-IV, stored once per table it rests on
        *(Claim(name, "noise_beats_variance",
                "the noise-regularized model appears to be more effective than the "
                "variance-regularized model in a majority of the cases", "majority",
                tuple(_gt(f"{o}{NOISE}", c, f"{o}{VAR}", c) for o in objectives
                      for c in cols[name]))
          for name, objectives in (("table2", ("",)), ("table3", ("",)),
                                   ("table4", ("soft-boundary | ", "one-class | ")))),
        Claim("table5", "variance_beats_dsvdd_at_high_lr",
              "it shows better performance convergence than the *D. SVDD* model for half of the "
              "experiments at high learning rates (0.01 and 0.1)", "half",
              tuple(_gt(f"soft-boundary | {VAR}", c, "soft-boundary | D. SVDD", c)
                    for s in settings for c in s[1:])),
    ]


@functools.lru_cache(maxsize=1)
def _all_claims() -> tuple:
    return _claims()


def paper_claims(name: str | None = None) -> tuple:
    """The stored :class:`Claim` s of artefact ``name`` (all when None)."""
    if name is None:
        return _all_claims()
    from .specs import get_spec

    get_spec(name)
    return tuple(c for c in _all_claims() if c.artefact == name)


def __getattr__(name):
    if name == "CLAIMS":
        return _all_claims()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
