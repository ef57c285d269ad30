from __future__ import annotations

import numpy as np

from trainer import dataset

IDS = [str(1_000_000 + i) for i in range(20_000)]


def test_split_is_a_fixed_function_of_productid():
    first = [dataset.split_of(p) for p in IDS]
    assert first == [dataset.split_of(p) for p in IDS]
    share = {name: first.count(name) / len(IDS) for name in ("train", "val", "eval")}
    assert abs(share["eval"] - dataset.EVAL_FRACTION) < 0.01
    assert abs(share["val"] - (1 - dataset.EVAL_FRACTION) * dataset.VAL_FRACTION) < 0.01


def test_adding_products_never_moves_existing_ones():
    def examples(ids):
        n = len(ids)
        return dataset.Examples(list(ids), ["x"] * n, [None] * n, np.zeros(n, dtype=np.int64))

    small = dataset.split(examples(IDS[:5000]))
    large = dataset.split(examples(IDS))
    assert set(small["eval"].productids) <= set(large["eval"].productids)
    assert set(large["eval"].productids) & set(large["train"].productids) == set()
    assert set(small["train"].productids) <= set(large["train"].productids)


def test_sample_is_deterministic():
    n = 1000
    ex = dataset.Examples(IDS[:n], ["x"] * n, [None] * n, np.zeros(n, dtype=np.int64))
    a, b = dataset.sample(ex, 100), dataset.sample(ex, 100)
    assert len(a) == 100 and a.productids == b.productids
