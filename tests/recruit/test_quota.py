from datetime import time

import pytest

from recruit.quota import parse_slot_spec, remaining, rescale

DEFAULT = [(time(9), 25), (time(16), 25)]


def fmt(slots):
    return [(f"{at:%H:%M}", mount) for at, mount in slots]


@pytest.mark.parametrize(
    ("now", "done", "expected"),
    [
        (time(8, 0), 0, [("09:00", 25), ("16:00", 25)]),
        (time(10, 30), 10, [("16:00", 40)]),
        (time(17, 0), 0, []),
        (time(9, 0), 0, [("16:00", 50)]),  # a slot at the current minute has passed
        (time(8, 59, 59), 0, [("09:00", 25), ("16:00", 25)]),
        (time(8, 0), 50, []),  # nothing left
        (time(8, 0), 70, []),  # over-reported: never negative
    ],
)
def test_contract_quota_table(now, done, expected):
    assert fmt(rescale(DEFAULT, now, remaining(50, done))) == expected


def test_uneven_rescaling_sums_exactly_with_ties_to_earlier_slot():
    slots = [(time(10), 1), (time(12), 1), (time(14), 1)]
    shares = rescale(slots, time(8), 10)
    assert [m for _t, m in shares] == [4, 3, 3]
    assert sum(m for _t, m in shares) == 10


def test_largest_remainder_goes_to_largest_fraction_not_earliest():
    # 7 split 1:2 → 2.33 and 4.67: the remainder goes to the later slot, whose fraction is larger.
    assert [m for _t, m in rescale([(time(10), 1), (time(11), 2)], time(8), 7)] == [2, 5]


@pytest.mark.parametrize("left", [1, 7, 49, 50, 97, 1000])
def test_shares_always_sum_to_remaining(left):
    slots = [(time(9), 3), (time(11), 7), (time(13), 0), (time(20), 11)]
    assert sum(m for _t, m in rescale(slots, time(6), left)) == left


def test_all_zero_mounts_split_evenly():
    shares = rescale([(time(10), 0), (time(11), 0), (time(12), 0)], time(8), 5)
    assert [m for _t, m in shares] == [2, 2, 1]


def test_slots_returned_in_time_order_whatever_the_input_order():
    shares = rescale([(time(16), 25), (time(9), 25)], time(8), 50)
    assert fmt(shares) == [("09:00", 25), ("16:00", 25)]


def test_parse_slot_spec():
    assert parse_slot_spec(["09:00=25", "16:30=5"]) == [(time(9), 25), (time(16, 30), 5)]


def test_remaining_never_negative():
    assert remaining(5, 9) == 0
    assert remaining(5, 2) == 3
