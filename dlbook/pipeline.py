r"""Input pipelines in the style of ``tf.data`` (chapter 9, :ref:`ch-frameworks`).

A :class:`Dataset` is a recipe for a stream of *elements*; every ``iter(dataset)`` runs the
recipe from the start (one epoch).  An element is an ndarray or a tuple of ndarrays (for
example one image and its label).  Sources:

* :meth:`Dataset.from_tensor_slices`: the rows of arrays that share their first dimension;
* :meth:`Dataset.list_files`: names (of files, or of in-memory shards), optionally shuffled;
* :meth:`Dataset.from_elements`: any finite list of elements.

Operations return a new :class:`Dataset` and leave the old one unchanged: :meth:`~Dataset.map`
(optionally on a pool of threads), :meth:`~Dataset.shuffle` (a buffer of ``buffer_size``
elements), :meth:`~Dataset.batch`, :meth:`~Dataset.repeat`, :meth:`~Dataset.interleave`,
:meth:`~Dataset.take` and :meth:`~Dataset.prefetch` (a background thread).

Determinism: the sequence of elements depends only on the data, the operations and their
generators, never on prefetching, on ``num_parallel_calls`` or on timing.  Parallel ``map``
returns its results in input order, and every random draw (shuffle, the per-element
generators of ``map``) happens in the one thread that pulls the elements, in element order.
Give every random operation its own generator and do not draw from it elsewhere while a
prefetching pipeline runs (a NumPy ``Generator`` is not thread-safe).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validation import as_rng, check_positive_int

__all__ = ["Dataset"]


def _check_optional_count(value, name: str, where: str) -> int | None:
    """None, or an integer >= 1 (for ``count=None`` meaning forever, ``num_parallel_calls``)."""
    return None if value is None else check_positive_int(value, name, where)


def _stack(elements: list, where: str):
    """Stack a list of elements (arrays or equally long tuples of arrays) along a new axis 0."""
    first = elements[0]
    if isinstance(first, tuple):
        for e in elements:
            if not isinstance(e, tuple) or len(e) != len(first):
                raise ValueError(
                    f"{where}: every element must be a tuple of {len(first)} "
                    f"components, got {type(e).__name__}"
                )
        return tuple(
            _stack([e[k] for e in elements], where) for k in range(len(first))
        )
    shapes = {np.shape(e) for e in elements}
    if len(shapes) != 1:
        raise ValueError(
            f"{where}: elements of one batch must have the same shape, "
            f"got shapes {sorted(shapes)}"
        )
    return np.stack([np.asarray(e) for e in elements])


class Dataset:
    r"""A re-iterable stream of elements, built from a source and a chain of operations.

    Do not call the constructor; start from :meth:`from_tensor_slices`,
    :meth:`list_files` or :meth:`from_elements`.

    Parameters
    ----------
    make_iterator : callable
        Function of no argument that returns a fresh iterator over the elements.
    description : str
        The chain of operations, for ``repr``.

    Notes
    -----
    The counterpart of ``tf.data.Dataset`` :cite:p:`abadi2016tensorflow`; PyTorch splits the
    same work between ``torch.utils.data.Dataset`` (the source), ``DataLoader`` (shuffle,
    batch, parallel workers, ``prefetch_factor``) and the ``torchdata`` pipes.
    """

    def __init__(self, make_iterator: Callable[[], Iterator], description: str):
        self._make_iterator = make_iterator
        self._description = description

    def __iter__(self) -> Iterator:
        return self._make_iterator()

    def __repr__(self) -> str:
        return f"Dataset({self._description})"

    def _then(
        self, make_iterator: Callable[[], Iterator], step: str
    ) -> Dataset:
        return Dataset(make_iterator, f"{self._description}.{step}")

    # ------------------------------------------------------------------ sources
    @staticmethod
    def from_tensor_slices(data) -> Dataset:
        r"""The rows of an array, or of a tuple of arrays, one row (tuple of rows) per element.

        Parameters
        ----------
        data : ndarray, shape (N, ...), or tuple of ndarrays, each of shape (N, ...)
            For a tuple, element :math:`n` is ``(data[0][n], data[1][n], ...)``.

        Returns
        -------
        Dataset
            ``N`` elements.  They are views of ``data``: a ``map`` function must not
            modify its input in place.

        Notes
        -----
        ``tf.data.Dataset.from_tensor_slices``.
        """
        where = "Dataset.from_tensor_slices"
        if isinstance(data, list):
            raise TypeError(
                f"{where}: data must be an ndarray or a tuple of ndarrays, got"
                " list (write tuple(...) for several arrays, np.asarray(...)"
                " for one)"
            )
        parts = data if isinstance(data, tuple) else (data,)
        if not parts:
            raise ValueError(
                f"{where}: data is an empty tuple; pass at least one array"
            )
        arrays = []
        for k, a in enumerate(parts):
            if not isinstance(a, np.ndarray):
                raise TypeError(
                    f"{where}: data[{k}] must be an ndarray, got"
                    f" {type(a).__name__}"
                )
            if a.ndim == 0:
                raise ValueError(
                    f"{where}: data[{k}] must have a first (sample) dimension, "
                    "got a 0-d array"
                )
            arrays.append(a)
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(
                f"{where}: the arrays of data must have the same length, got"
                f" {lengths}"
            )
        single = not isinstance(data, tuple)

        def iterate():
            for n in range(lengths[0]):
                yield arrays[0][n] if single else tuple(a[n] for a in arrays)

        shapes = ", ".join(str(a.shape) for a in arrays)
        return Dataset(iterate, f"from_tensor_slices({shapes})")

    @staticmethod
    def from_elements(elements: Iterable) -> Dataset:
        """A dataset of the given elements, in order (the list is copied).

        Parameters
        ----------
        elements : iterable
            Finite; any objects (arrays, tuples of arrays, names).

        Returns
        -------
        Dataset
        """
        if isinstance(elements, (str, bytes)) or not isinstance(
            elements, Iterable
        ):
            raise TypeError(
                "Dataset.from_elements: elements must be a list or another"
                f" finite iterable, got {type(elements).__name__}"
            )
        items = list(elements)
        return Dataset(
            lambda: iter(items), f"from_elements({len(items)} elements)"
        )

    @staticmethod
    def list_files(
        names, shuffle: bool = True, rng: np.random.Generator | None = None
    ) -> Dataset:
        """The names of files (or of in-memory shards), in a random order at every pass.

        Parameters
        ----------
        names : sequence of str
            The names; read them with :meth:`interleave` (or :meth:`map`).
        shuffle : bool, default True
            A new random order at every iteration, as ``tf.data.Dataset.list_files`` does.
        rng : numpy.random.Generator, optional
            Source of the orders (only used when ``shuffle``).

        Returns
        -------
        Dataset
            ``len(names)`` string elements.

        Notes
        -----
        ``tf.data.Dataset.list_files(pattern, shuffle, seed)``; here the names are given, not
        globbed, so that a pipeline over in-memory shards reads like one over files.
        """
        where = "Dataset.list_files"
        if isinstance(names, str) or not isinstance(names, Iterable):
            raise TypeError(
                f"{where}: names must be a sequence of strings, got"
                f" {type(names).__name__}"
            )
        names = list(names)
        if not names:
            raise ValueError(f"{where}: names is empty; pass at least one name")
        for k, name in enumerate(names):
            if not isinstance(name, str):
                raise TypeError(
                    f"{where}: names[{k}] must be a str, got"
                    f" {type(name).__name__}"
                )
        rng = as_rng(rng, where) if shuffle else None

        def iterate():
            order = (
                rng.permutation(len(names)) if shuffle else range(len(names))
            )
            for k in order:
                yield names[k]

        return Dataset(iterate, f"list_files({len(names)} names)")

    # --------------------------------------------------------------- operations
    def map(
        self,
        fn: Callable,
        num_parallel_calls: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> Dataset:
        r"""Apply ``fn`` to every element, optionally on ``num_parallel_calls`` threads.

        Parameters
        ----------
        fn : callable
            ``fn(*element)`` for a tuple element, ``fn(element)`` otherwise; with ``rng``
            it also receives ``rng=`` a generator of its own for that element (for random
            augmentation).  It returns the new element.
        num_parallel_calls : int, optional
            Number of worker threads; None computes in the pulling thread.  The results come
            in input order whatever the number; at most ``num_parallel_calls`` elements are
            in flight.  Threads help when ``fn`` releases the GIL (NumPy on large arrays,
            I/O, sleeping).
        rng : numpy.random.Generator, optional
            When given, element :math:`n` gets ``np.random.default_rng(s_n)`` with
            :math:`s_n` the :math:`n`-th draw of ``rng``; the draws happen in element order,
            so random augmentation is reproducible under any parallelism.

        Returns
        -------
        Dataset

        Notes
        -----
        ``tf.data.Dataset.map(fn, num_parallel_calls, deterministic=True)``.
        """
        where = "Dataset.map"
        if not callable(fn):
            raise TypeError(
                f"{where}: fn must be callable, got {type(fn).__name__}"
            )
        workers = _check_optional_count(
            num_parallel_calls, "num_parallel_calls", where
        )
        if rng is not None:
            rng = as_rng(rng, where)

        def call(element, seed):
            args = element if isinstance(element, tuple) else (element,)
            if seed is None:
                return fn(*args)
            return fn(*args, rng=np.random.default_rng(seed))

        def seeded():
            for element in self:
                yield element, (
                    None if rng is None else int(rng.integers(2**63))
                )

        def serial():
            for element, seed in seeded():
                yield call(element, seed)

        def parallel():
            pool = ThreadPoolExecutor(max_workers=workers)
            pending = deque()
            try:
                for element, seed in seeded():
                    pending.append(pool.submit(call, element, seed))
                    if len(pending) >= workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=True)

        name = getattr(fn, "__name__", type(fn).__name__)
        return self._then(
            serial if workers is None else parallel,
            f"map({name}, num_parallel_calls={workers})",
        )

    def shuffle(
        self, buffer_size: int, rng: np.random.Generator | None = None
    ) -> Dataset:
        r"""Shuffle with a buffer of ``buffer_size`` elements (a new order at every pass).

        The buffer is filled with the first ``buffer_size`` elements; then each output is
        drawn uniformly from the buffer, and its place is taken by the next input element.
        When the input is exhausted, the buffer is emptied in random order.

        Parameters
        ----------
        buffer_size : int
            ``>= 1``.  1 keeps the order; ``>= N`` draws a uniform random permutation of all
            ``N`` elements.  In between, output :math:`k` is one of the input elements
            :math:`0, \dots, k + \text{buffer\_size} - 1`: the order is only locally random.
        rng : numpy.random.Generator, optional
            Source of the draws, one ``rng.integers(len(buffer))`` per output.

        Returns
        -------
        Dataset

        Notes
        -----
        ``tf.data.Dataset.shuffle(buffer_size, seed, reshuffle_each_iteration=True)``.
        """
        where = "Dataset.shuffle"
        buffer_size = check_positive_int(buffer_size, "buffer_size", where)
        rng = as_rng(rng, where)

        def iterate():
            buffer = []
            for element in self:
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                k = int(rng.integers(len(buffer)))
                out, buffer[k] = buffer[k], element
                yield out
            while buffer:
                k = int(rng.integers(len(buffer)))
                buffer[k], buffer[-1] = buffer[-1], buffer[k]
                yield buffer.pop()

        return self._then(iterate, f"shuffle({buffer_size})")

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Stack ``batch_size`` consecutive elements into one.

        Parameters
        ----------
        batch_size : int
            ``>= 1``.
        drop_remainder : bool, default False
            Drop a last batch that has fewer than ``batch_size`` elements (so every batch has
            the same shape).

        Returns
        -------
        Dataset
            Elements of shape ``(B, ...)`` (tuples of them for tuple elements), with
            ``B = batch_size`` except perhaps the last.

        Notes
        -----
        ``tf.data.Dataset.batch(batch_size, drop_remainder)``.
        """
        where = "Dataset.batch"
        batch_size = check_positive_int(batch_size, "batch_size", where)
        if not isinstance(drop_remainder, (bool, np.bool_)):
            raise TypeError(
                f"{where}: drop_remainder must be a bool, got"
                f" {type(drop_remainder).__name__}"
            )

        def iterate():
            group = []
            for element in self:
                group.append(element)
                if len(group) == batch_size:
                    yield _stack(group, where)
                    group = []
            if group and not drop_remainder:
                yield _stack(group, where)

        return self._then(
            iterate,
            f"batch({batch_size}, drop_remainder={bool(drop_remainder)})",
        )

    def repeat(self, count: int | None = None) -> Dataset:
        """Run the upstream pipeline ``count`` times in a row (forever for None).

        Each pass starts the upstream recipe again, so a ``shuffle`` before ``repeat`` gives a
        new order in every epoch.  ``shuffle`` after ``repeat`` mixes the end of one epoch
        with the start of the next; ``batch`` after ``repeat`` makes batches that straddle
        epochs.

        Parameters
        ----------
        count : int, optional
            ``>= 1``, or None for an endless dataset (stop it with :meth:`take`).

        Returns
        -------
        Dataset

        Notes
        -----
        ``tf.data.Dataset.repeat(count)`` (TensorFlow's ``-1`` is None here).
        """
        count = _check_optional_count(count, "count", "Dataset.repeat")

        def iterate():
            passes = 0
            while count is None or passes < count:
                yielded = False
                for element in self:
                    yielded = True
                    yield element
                passes += 1
                if (
                    not yielded
                ):  # an empty upstream would otherwise loop forever
                    return

        return self._then(iterate, f"repeat({count})")

    def interleave(
        self, fn: Callable, cycle_length: int, block_length: int = 1
    ) -> Dataset:
        """Map every element to a dataset and read ``cycle_length`` of them in turn.

        The datasets ``fn(element)`` of ``cycle_length`` input elements are read in round
        robin, ``block_length`` elements at a time.  When one is exhausted, the cycle moves
        on, and the next input element's dataset takes the free slot when the cycle comes
        back to it (TensorFlow's deterministic order).

        Parameters
        ----------
        fn : callable
            ``fn(element) -> Dataset`` (or any iterable), e.g. reading one file or shard.
        cycle_length : int
            Number of datasets read at the same time, ``>= 1``.
        block_length : int, default 1
            Consecutive elements taken from a dataset before moving to the next, ``>= 1``.

        Returns
        -------
        Dataset

        Notes
        -----
        ``tf.data.Dataset.interleave(fn, cycle_length, block_length, deterministic=True)``.
        """
        where = "Dataset.interleave"
        if not callable(fn):
            raise TypeError(
                f"{where}: fn must be callable, got {type(fn).__name__}"
            )
        cycle_length = check_positive_int(cycle_length, "cycle_length", where)
        block_length = check_positive_int(block_length, "block_length", where)

        def open_dataset(element):
            inner = fn(element)
            if not isinstance(inner, Iterable):
                raise TypeError(
                    f"{where}: fn must return a Dataset or another iterable, "
                    f"got {type(inner).__name__}"
                )
            return iter(inner)

        def iterate():  # TensorFlow's deterministic order, slot by slot
            sources, end = iter(self), object()
            slots: list[Iterator | None] = [None] * cycle_length
            inputs_left, n_open, k, taken = True, 0, 0, 0
            while inputs_left or n_open:
                if slots[k] is None and inputs_left:
                    element = next(sources, end)
                    if element is end:
                        inputs_left = False
                    else:
                        slots[k], n_open = open_dataset(element), n_open + 1
                    continue
                if slots[k] is not None:
                    element = next(slots[k], end)
                    if element is not end:
                        yield element
                        taken += 1
                        if taken < block_length:
                            continue
                    else:
                        slots[k], n_open = None, n_open - 1
                k, taken = (k + 1) % cycle_length, 0

        return self._then(
            iterate,
            f"interleave(cycle_length={cycle_length}, "
            f"block_length={block_length})",
        )

    def take(self, count: int) -> Dataset:
        """The first ``count`` elements (fewer if the dataset is shorter).

        Parameters
        ----------
        count : int
            ``>= 0``.

        Returns
        -------
        Dataset
        """
        count = check_positive_int(count, "count", "Dataset.take", minimum=0)

        def iterate():
            if count == 0:
                return
            for n, element in enumerate(self, start=1):
                yield element
                if n == count:
                    return

        return self._then(iterate, f"take({count})")

    def prefetch(self, buffer_size: int = 1) -> Dataset:
        """Compute up to ``buffer_size`` elements ahead on a background thread.

        While the consumer works on element :math:`n` (a training step), the thread already
        produces the next ``buffer_size`` elements.  The elements and their order
        are exactly those without prefetching; an exception upstream is raised in the
        consumer when it reaches that element.  Leaving the loop early stops the thread.

        Parameters
        ----------
        buffer_size : int, default 1
            ``>= 1``: elements held ready (TensorFlow's ``AUTOTUNE`` is not offered).

        Returns
        -------
        Dataset

        Notes
        -----
        ``tf.data.Dataset.prefetch(buffer_size)``.
        """
        buffer_size = check_positive_int(
            buffer_size, "buffer_size", "Dataset.prefetch"
        )
        done = object()

        def iterate():
            ready: queue.Queue = queue.Queue(maxsize=buffer_size)
            stop = threading.Event()

            def put(item) -> bool:
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.05)
                        return True
                    except queue.Full:
                        continue
                return False

            def produce():
                elements = iter(self)
                try:
                    for element in elements:
                        if not put((element, None)):
                            return
                    put((done, None))
                except (
                    BaseException
                ) as error:  # handed to the consumer, raised there
                    put((done, error))
                finally:
                    close = getattr(elements, "close", None)
                    if close is not None:
                        # runs the upstream clean-up (e.g. a map's thread pool)
                        close()

            worker = threading.Thread(
                target=produce, daemon=True, name="dlbook-prefetch"
            )
            worker.start()
            try:
                while True:
                    element, error = ready.get()
                    if element is done:
                        if error is not None:
                            raise error
                        return
                    yield element
            finally:
                stop.set()
                worker.join()

        return self._then(iterate, f"prefetch({buffer_size})")
