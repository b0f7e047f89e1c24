"""plotting.image_explorer: a static-HTML picker over pre-rendered panels (43's explorer)."""
import base64
import json
import re

import pytest

from svddlib import plotting


def test_explorer_holds_every_panel_shows_the_first_and_offers_every_choice():
    images = {(v, e): f"png {v} {e}".encode() for v in ("a & b", "c") for e in (0, 3)}
    html = plotting.image_explorer(images, {"variant": ["a & b", "c"], "epoch": [0, 3]}, title="t")
    shown = re.search(r'<img [^>]*src="data:image/png;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(shown) == b"png a & b 0"
    table = json.loads(re.search(r"const images = (\{.*?\});", html).group(1))
    assert {k: base64.b64decode(v) for k, v in table.items()} == {
        "|".join(map(str, key)): png for key, png in images.items()}
    assert re.findall(r"<option>([^<]*)</option>", html) == ["a &amp; b", "c", "0", "3"]


def test_explorer_rejects_keys_that_do_not_match_the_choices():
    with pytest.raises(ValueError, match="one value per choice"):
        plotting.image_explorer({("a",): b"x"}, {"variant": ["a"], "epoch": [0]})


def test_figure_png_gives_png_bytes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert plotting.figure_png(fig).startswith(b"\x89PNG")


def test_in_words_renames_the_short_columns_only():
    import pandas as pd

    table = pd.DataFrame({"auc_last": [0.7], "collapsed": [1], "other": [2]})
    shown = plotting.in_words(table)
    assert list(shown.columns) == [plotting.TABLE_WORDS["auc_last"], plotting.TABLE_WORDS["collapsed"], "other"]
    assert list(table.columns) == ["auc_last", "collapsed", "other"]  # the original is unchanged
