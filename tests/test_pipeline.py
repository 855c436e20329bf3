"""dlbook.pipeline: tf.data semantics, and determinism under prefetching and parallel map."""

import threading
import time

import numpy as np
import pytest

from dlbook import data
from dlbook.pipeline import Dataset


def as_list(ds):
    """The elements of one pass, with arrays turned into nested Python lists."""
    def plain(e):
        if isinstance(e, tuple):
            return tuple(plain(c) for c in e)
        return np.asarray(e).tolist()
    return [plain(e) for e in ds]


def reference_shuffle(elements, buffer_size, rng):
    """tf.data's shuffle written with explicit indices: window of the next buffer_size inputs."""
    elements = list(elements)
    buffer = elements[:buffer_size]
    out = []
    for nxt in elements[buffer_size:]:
        k = int(rng.integers(len(buffer)))
        out.append(buffer[k])
        buffer[k] = nxt
    while buffer:
        k = int(rng.integers(len(buffer)))
        out.append(buffer[k])
        buffer[k] = buffer[-1]
        buffer.pop()
    return out


def test_from_tensor_slices_elements_and_tuples():
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    single = list(Dataset.from_tensor_slices(X))
    assert len(single) == 6 and all(np.array_equal(e, X[n]) for n, e in enumerate(single))
    pairs = list(Dataset.from_tensor_slices((X, y)))
    assert all(isinstance(e, tuple) and np.array_equal(e[0], X[n]) and e[1] == y[n]
               for n, e in enumerate(pairs))
    assert data.Dataset is Dataset      # re-exported by dlbook.data


def test_batch_sizes_and_drop_remainder():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    batches = list(Dataset.from_tensor_slices((X, y)).batch(4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert np.array_equal(batches[2][0], X[8:]) and np.array_equal(batches[0][1], y[:4])
    kept = list(Dataset.from_tensor_slices((X, y)).batch(4, drop_remainder=True))
    assert [len(b[1]) for b in kept] == [4, 4]
    assert [len(b) for b in Dataset.from_tensor_slices(X).batch(5, drop_remainder=True)] == [5, 5]


def test_repeat_counts_and_reshuffles_every_pass():
    ds = Dataset.from_tensor_slices(np.arange(5))
    assert as_list(ds.repeat(3)) == list(range(5)) * 3
    assert as_list(ds.repeat().take(12)) == (list(range(5)) * 3)[:12]
    shuffled = as_list(ds.shuffle(5, np.random.default_rng(0)).repeat(4))
    epochs = [shuffled[5 * k:5 * k + 5] for k in range(4)]
    assert all(sorted(e) == list(range(5)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1, "a shuffle before repeat reshuffles every epoch"
    # batch after repeat: batches straddle the epochs
    assert as_list(ds.repeat(2).batch(4)) == [[0, 1, 2, 3], [4, 0, 1, 2], [3, 4]]
    assert as_list(Dataset.from_elements([]).repeat()) == []


@pytest.mark.parametrize("buffer_size", [1, 2, 7, 30, 100])
def test_shuffle_equals_the_reference(buffer_size):
    n = 30
    ours = as_list(Dataset.from_tensor_slices(np.arange(n)).shuffle(buffer_size, np.random.default_rng(3)))
    assert ours == reference_shuffle(range(n), buffer_size, np.random.default_rng(3))
    assert sorted(ours) == list(range(n))
    # output k is one of the inputs 0 .. k + buffer_size - 1
    assert all(v <= k + buffer_size - 1 for k, v in enumerate(ours))
    if buffer_size == 1:
        assert ours == list(range(n))


def test_full_buffer_shuffle_is_uniform():
    # with buffer_size >= N every element is equally likely to come first (and last)
    n, trials = 5, 4000
    rng = np.random.default_rng(11)
    ds = Dataset.from_tensor_slices(np.arange(n)).shuffle(n, rng)
    firsts, lasts = np.zeros(n), np.zeros(n)
    for _ in range(trials):
        order = as_list(ds)
        firsts[order[0]] += 1
        lasts[order[-1]] += 1
    expected = trials / n
    for counts in (firsts, lasts):
        chi2 = float(np.sum((counts - expected) ** 2 / expected))
        assert chi2 < 18.5, f"chi-square {chi2:.1f} with 4 degrees of freedom (p < 0.001)"


def test_small_buffer_keeps_the_order_local():
    n, b = 200, 4
    out = as_list(Dataset.from_tensor_slices(np.arange(n)).shuffle(b, np.random.default_rng(1)))
    assert out != list(range(n))
    assert max(k - v for k, v in enumerate(out)) > b  # an early element can come late ...
    assert max(v - k for k, v in enumerate(out)) <= b - 1   # ... but never a late one early


def test_interleave_follows_tensorflow_order():
    shards = {"a": np.arange(5), "b": np.arange(10, 13), "c": np.arange(20, 24)}

    def read(name):
        return Dataset.from_tensor_slices(shards[name])

    names = Dataset.list_files(list(shards), shuffle=False)
    # orders worked out by hand from tf.data's deterministic interleave
    assert as_list(names.interleave(read, cycle_length=2, block_length=2)) == \
        [0, 1, 10, 11, 2, 3, 12, 4, 20, 21, 22, 23]
    assert as_list(names.interleave(read, cycle_length=5)) == \
        [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 23, 4]
    assert as_list(names.interleave(read, cycle_length=1)) == \
        list(range(5)) + list(range(10, 13)) + list(range(20, 24))


def test_list_files_shuffles_from_its_rng():
    names = [f"shard-{k}" for k in range(8)]
    one = Dataset.list_files(names, rng=np.random.default_rng(4))
    two = Dataset.list_files(names, rng=np.random.default_rng(4))
    passes = [as_list(one) for _ in range(3)]
    assert passes == [as_list(two) for _ in range(3)]
    assert all(sorted(p) == names for p in passes) and len({tuple(p) for p in passes}) > 1
    assert as_list(Dataset.list_files(names, shuffle=False)) == names


def jittery(x, label, rng):
    """An augmentation whose running time varies, so parallel results finish out of order."""
    time.sleep(float(rng.uniform(0, 0.003)))
    return x + rng.normal(size=x.shape), label


def pipeline(num_parallel_calls, prefetch):
    X, y = np.arange(60.0).reshape(30, 2), np.arange(30)
    shards = {f"s{k}": (X[k::3], y[k::3]) for k in range(3)}
    ds = (Dataset.list_files(sorted(shards), rng=np.random.default_rng(0))
          .interleave(lambda name: Dataset.from_tensor_slices(shards[name]), cycle_length=3)
          .shuffle(8, np.random.default_rng(1))
          .map(jittery, num_parallel_calls=num_parallel_calls, rng=np.random.default_rng(2))
          .batch(4, drop_remainder=True)
          .repeat(2))
    return ds.prefetch(prefetch) if prefetch else ds


def test_batches_do_not_depend_on_prefetching_or_parallelism():
    expected = as_list(pipeline(None, 0))
    assert len(expected) == 14 and all(len(b[1]) == 4 for b in expected)
    for workers, prefetch in [(None, 1), (1, 0), (4, 0), (4, 3), (8, 1)]:
        assert as_list(pipeline(workers, prefetch)) == expected, (workers, prefetch)


def test_parallel_map_keeps_the_input_order():
    def slow_identity(v):
        time.sleep(0.004 if v % 3 == 0 else 0.0)   # early elements finish last
        return v * 10

    ds = Dataset.from_tensor_slices(np.arange(40)).map(slow_identity, num_parallel_calls=6)
    assert as_list(ds) == [10 * v for v in range(40)]


def test_prefetch_runs_ahead_and_overlaps():
    produced = []

    def load(v):
        time.sleep(0.01)
        produced.append(int(v))
        return v

    ds = Dataset.from_tensor_slices(np.arange(6)).map(load).prefetch(2)
    it = iter(ds)
    first = next(it)
    time.sleep(0.1)                     # the "training step": the thread loads meanwhile
    assert first == 0 and len(produced) >= 3, "prefetch keeps buffer_size elements ready"
    start = time.perf_counter()
    rest = list(it)
    assert [int(v) for v in rest] == [1, 2, 3, 4, 5]
    assert time.perf_counter() - start < 0.1


def test_prefetch_stops_its_thread_and_raises_upstream_errors():
    before = threading.active_count()
    it = iter(Dataset.from_tensor_slices(np.arange(1000)).prefetch(4))
    next(it)
    it.close()
    assert threading.active_count() == before

    def fail_at_three(v):
        if v == 3:
            raise ArithmeticError("element 3")
        return v

    got = []
    with pytest.raises(ArithmeticError, match="element 3"):
        for v in Dataset.from_tensor_slices(np.arange(6)).map(fail_at_three, 2).prefetch(2):
            got.append(int(v))
    assert got == [0, 1, 2]
    assert threading.active_count() == before


def test_operations_leave_the_source_unchanged_and_are_reiterable():
    base = Dataset.from_tensor_slices(np.arange(4))
    doubled = base.map(lambda v: 2 * v)
    assert as_list(base) == [0, 1, 2, 3] and as_list(doubled) == as_list(doubled) == [0, 2, 4, 6]
    assert "map(<lambda>" in repr(doubled)


@pytest.mark.parametrize("make, error, message", [
    (lambda: Dataset.from_tensor_slices([1, 2]), TypeError, "from_tensor_slices: data must be an ndarray"),
    (lambda: Dataset.from_tensor_slices((np.zeros(3), np.zeros(4))), ValueError, r"same length, got \[3, 4\]"),
    (lambda: Dataset.from_tensor_slices(np.float64(1.0)), TypeError, "data\\[0\\] must be an ndarray"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).batch(0), ValueError, "Dataset.batch: batch_size must be >= 1, got 0"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).batch(2.0), TypeError, "batch_size must be an integer"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).batch(2, drop_remainder=1), TypeError, "drop_remainder must be a bool"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).shuffle(0), ValueError, "Dataset.shuffle: buffer_size must be >= 1"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).shuffle(2, rng=3), TypeError, "Dataset.shuffle: rng must be"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).map(3), TypeError, "Dataset.map: fn must be callable"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).map(abs, num_parallel_calls=0), ValueError, "num_parallel_calls must be >= 1"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).repeat(-1), ValueError, "Dataset.repeat: count must be >= 1, got -1"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).prefetch(0), ValueError, "Dataset.prefetch: buffer_size must be >= 1"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).interleave(list, 0), ValueError, "cycle_length must be >= 1"),
    (lambda: Dataset.from_tensor_slices(np.zeros(3)).take(-2), ValueError, "Dataset.take: count must be >= 0"),
    (lambda: Dataset.list_files("a*.npz"), TypeError, "list_files: names must be a sequence of strings"),
    (lambda: Dataset.list_files(["a", 3]), TypeError, r"names\[1\] must be a str"),
    (lambda: Dataset.list_files([]), ValueError, "names is empty"),
])
def test_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_errors_found_while_iterating():
    with pytest.raises(ValueError, match="Dataset.batch: elements of one batch must have the same shape"):
        list(Dataset.from_elements([np.zeros(2), np.zeros(3)]).batch(2))
    with pytest.raises(TypeError, match="interleave: fn must return a Dataset"):
        list(Dataset.from_elements(["a"]).interleave(lambda name: 3, cycle_length=1))
