import math

import pytest

from slant.labels import LabelSet


def test_order_and_maps_follow_names():
    labels = LabelSet.of(["attribution", "hedging", "loaded", "stance"])
    assert labels.id2label == {0: "attribution", 1: "hedging", 2: "loaded", 3: "stance"}
    assert labels.label2id["stance"] == 3
    assert len(labels) == 4


def test_multi_hot_marks_unknown_as_nan():
    labels = LabelSet.of(["attribution", "hedging", "loaded"])
    hot = labels.to_multi_hot({"attribution": 1, "hedging": 0, "loaded": None})
    assert hot[:2] == [1.0, 0.0] and math.isnan(hot[2])
    assert math.isnan(labels.to_multi_hot({})[0])


@pytest.mark.parametrize("names", [[], ["a", "a"], ["Loaded"], ["has space"]])
def test_bad_label_sets_are_rejected(names):
    with pytest.raises(ValueError):
        LabelSet.of(names)
