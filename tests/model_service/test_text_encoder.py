"""TextEncoder: vocabulary, subword pieces, padding and truncation, persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_service.preprocessing import OOV_ID, PAD_ID, SUBWORD_PREFIX, TextEncoder

TEXTS = [
    "piscine hors sol piscine tubulaire",
    "piscine gonflable bâche piscine",
    "livre de poche livre ancien",
    "livre illustré poche",
]


def test_frequent_words_get_their_own_ids_in_frequency_order() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=6, min_count=2, piece_fraction=0.0)
    assert encoder.vocabulary == ["piscine", "livre", "poche"]
    assert encoder.size == 5
    ids = encoder.encode(["Piscine LIVRE"], seq_len=2)
    assert ids.tolist() == [[2, 3]]


def test_min_count_drops_rare_words() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=100, min_count=2, piece_fraction=0.0)
    assert "tubulaire" not in encoder.vocabulary
    assert encoder.encode(["tubulaire"], seq_len=1)[0, 0] == OOV_ID


def test_padding_and_truncation() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=100, min_count=1, piece_fraction=0.0)
    ids = encoder.encode(["piscine", "livre de poche livre ancien"], seq_len=3)
    assert ids.dtype == np.int32
    assert ids.shape == (2, 3)
    assert ids[0, 1:].tolist() == [PAD_ID, PAD_ID]
    assert PAD_ID not in ids[1].tolist()
    assert ids[1].tolist() == encoder.encode(["livre de poche"], seq_len=3)[0].tolist()


def test_empty_text_is_all_padding() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=100)
    assert encoder.encode([""], seq_len=4).tolist() == [[PAD_ID] * 4]


def test_unknown_word_is_split_into_known_pieces() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=200, min_count=2, piece_fraction=0.5)
    pieces = encoder.split("piscines")
    assert len(pieces) > 1
    assert all(p.startswith(SUBWORD_PREFIX) for p in pieces[1:])
    assert "".join(p.removeprefix(SUBWORD_PREFIX) for p in pieces) == "piscines"
    ids = encoder.encode(["piscines"], seq_len=8)[0]
    assert OOV_ID not in ids.tolist()
    assert int((ids != PAD_ID).sum()) == len(pieces)


def test_word_with_unseen_characters_is_unknown() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=200, min_count=2, piece_fraction=0.5)
    assert encoder.encode(["zzqq"], seq_len=2)[0].tolist() == [OOV_ID, PAD_ID]


def test_ids_stay_below_size_and_max_tokens() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=30, min_count=1, piece_fraction=0.5)
    ids = encoder.encode(TEXTS + ["piscinette gonflée"], seq_len=16)
    assert encoder.size <= 30
    assert int(ids.max()) < encoder.size


def test_round_trip_through_json() -> None:
    encoder = TextEncoder.fit(TEXTS, max_tokens=200, min_count=2, piece_fraction=0.5)
    restored = TextEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    texts = ["piscines tubulaires", "livres de poche", "inconnu"]
    assert restored.size == encoder.size
    assert np.array_equal(restored.encode(texts, 10), encoder.encode(texts, 10))


def test_plain_word_vocabulary_still_loads() -> None:
    restored = TextEncoder.from_dict({"kind": "word", "vocabulary": ["livre", "piscine"]})
    assert restored.encode(["piscine livres"], seq_len=2).tolist() == [[3, OOV_ID]]


def test_from_dict_rejects_other_formats() -> None:
    with pytest.raises(ValueError):
        TextEncoder.from_dict({"kind": "bpe", "vocabulary": []})
