"""Computational graphs and automatic differentiation on scalars (chapter 1).

:class:`Value` records every arithmetic operation as a node of a graph while it
computes (define-by-run, like PyTorch), and :meth:`Value.backward` runs
reverse-mode automatic differentiation over that graph.  Forward mode,
:class:`~dlbook.forward_mode.Dual`, lives in :mod:`dlbook.forward_mode` and is
re-exported here.  :func:`draw` renders a graph with graphviz and
:func:`topological_order` / :func:`count_operations` inspect it.

Each operation keeps its forward rule and its local-gradient rule side by side,
in the style of Karpathy's micrograd; unlike micrograd, the topological sort is
iterative (graphs of any depth) and :meth:`Value.backward` can be called again
without corrupting gradients.  Arithmetic follows Python's ``math`` module: a
domain error (``log`` of a non-positive number, a fractional power of a negative
number) raises ``ValueError``, division by zero raises ``ZeroDivisionError``,
and an overflow gives ``inf`` as in PyTorch.
"""

from __future__ import annotations

import math

from ._scalar import (_check_exponent, _exp, _is_real, _log, _max, _max_shares,
                      _pow,
                      _pow_slope, _sigmoid)
from ._validation import check_choice
from .forward_mode import Dual, _dual, _lift_dual

__all__ = ["Value", "Dual", "maximum", "topological_order", "count_operations",
           "draw"]


# ----------------------------------------------------------------- reverse mode
class Value:
    r"""A scalar node of a computational graph that records how it was computed.

    Arithmetic on ``Value`` objects (and Python numbers) builds the graph as it
    computes; each result remembers its ``parents``, the operation ``op`` and a
    closure ``_backward(g)`` that, given the upstream gradient
    :math:`g = \bar{c}`, applies the chain rule for that one operation:

    .. math::

        \bar{a} \mathrel{+}= \frac{\partial c}{\partial a}\,\bar{c}
        \quad\text{for every parent } a \text{ of } c = \mathrm{op}(a, \dots),

    where :math:`\bar{v} = \partial L / \partial v` is the ``grad`` of node
    :math:`v`.  The ``+=`` makes gradients add up where a node feeds several
    others (a fork).

    Parameters
    ----------
    data : float
        The value of this leaf node (ints and NumPy scalars are converted to
        ``float``).
    label : str, default ""
        A name shown by :func:`draw`.

    Attributes
    ----------
    data : float
        The value computed in the forward pass.
    grad : float
        :math:`\partial\,\mathrm{root} / \partial\,\mathrm{self}` after
        ``root.backward()``; 0.0 before.
    parents : tuple of Value
        The operands this node was computed from (empty for a leaf).
    op : str
        The operation that produced this node (``""`` for a leaf), e.g. ``"+"``,
        ``"**2"``.
    label : str
        The name given by the user.

    Notes
    -----
    Local gradients: :math:`\partial(a \pm b) = (1, \pm 1)`, :math:`\partial(ab) = (b, a)`,
    :math:`\partial(a/b) = (1/b, -a/b^2)`, :math:`\partial a^p = p a^{p-1}`,
    :math:`\partial e^a = e^a`, :math:`\partial \log a = 1/a`,
    :math:`\partial \tanh a = 1 - \tanh^2 a`, :math:`\partial \sigma(a) = \sigma(a)(1 - \sigma(a))`,
    :math:`\partial\,\mathrm{relu}(a) = [a > 0]` (0 at the kink, like ``torch.relu``).
    The PyTorch equivalent is a 0-dimensional ``torch.Tensor`` with ``requires_grad=True``;
    unlike ``torch.Tensor.backward``, :meth:`backward` overwrites gradients instead of
    accumulating them across calls.

    References
    ----------
    Rumelhart, Hinton and Williams (1986), "Learning representations by back-propagating
    errors"; Linnainmaa (1976), "Taylor expansion of the accumulated rounding error";
    Karpathy (2020), micrograd.
    """

    __slots__ = ("data", "grad", "parents", "op", "label", "_backward")

    def __init__(self, data, label: str = ""):
        if not _is_real(data):
            raise TypeError("Value: data must be a real number, got "
                            f"{type(data).__name__}")
        if not isinstance(label, str):
            raise TypeError("Value: label must be a str, got "
                            f"{type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.parents: tuple = ()
        self.op = ""
        self.label = label
        self._backward = _no_backward

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g}{op})"

    # -------------------------------------------------------- binary operations
    def __add__(self, other):
        other = _lift(other, "Value.__add__")
        out = _node(self.data + other.data, (self, other), "+")

        def _backward(g):
            self.grad += g
            other.grad += g
        out._backward = _backward
        return out

    def __sub__(self, other):
        other = _lift(other, "Value.__sub__")
        out = _node(self.data - other.data, (self, other), "-")

        def _backward(g):
            self.grad += g
            other.grad -= g
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _lift(other, "Value.__mul__")
        out = _node(self.data * other.data, (self, other), "*")

        def _backward(g):
            self.grad += other.data * g       # multiply swaps its inputs
            other.grad += self.data * g
        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = _lift(other, "Value.__truediv__")
        if other.data == 0:
            raise ZeroDivisionError("Value.__truediv__: division by zero (the "
                                    "denominator is 0)")
        data = self.data / other.data
        out = _node(data, (self, other), "/")

        def _backward(g):
            self.grad += g / other.data
            other.grad -= data / other.data * g
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        p = _check_exponent(exponent, "Value.__pow__")
        out = _node(_pow(self.data, p, "Value.__pow__"), (self,), f"**{p:g}")

        def _backward(g):
            self.grad += _pow_slope(self.data, p, "Value.__pow__") * g
        out._backward = _backward
        return out

    def __radd__(self, other):
        return _lift(other, "Value.__radd__") + self

    def __rsub__(self, other):
        return _lift(other, "Value.__rsub__") - self

    def __rmul__(self, other):
        return _lift(other, "Value.__rmul__") * self

    def __rtruediv__(self, other):
        return _lift(other, "Value.__rtruediv__") / self

    def __rpow__(self, base):
        raise TypeError("Value.__rpow__: exponent must be a real number (not a "
                        "Value); only "
                        "constant exponents are supported, write exp(b * "
                        "log(a)) for a ** b")

    # --------------------------------------------------------- unary operations
    def __neg__(self):
        out = _node(-self.data, (self,), "neg")

        def _backward(g):
            self.grad -= g
        out._backward = _backward
        return out

    def exp(self) -> Value:
        r"""Exponential, :math:`e^a`, with local gradient :math:`e^a`
        (``torch.exp``)."""
        e = _exp(self.data)
        out = _node(e, (self,), "exp")

        def _backward(g):
            self.grad += e * g
        out._backward = _backward
        return out

    def log(self) -> Value:
        r"""Natural logarithm, :math:`\log a` for :math:`a > 0`, local gradient
        :math:`1/a`.

        Raises ``ValueError`` for :math:`a \le 0` (``torch.log`` returns
        ``nan``/``-inf``).
        """
        out = _node(_log(self.data, "Value.log"), (self,), "log")

        def _backward(g):
            self.grad += g / self.data
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        r"""Hyperbolic tangent, local gradient :math:`1 - \tanh^2 a`
        (``torch.tanh``)."""
        t = math.tanh(self.data)
        out = _node(t, (self,), "tanh")

        def _backward(g):
            self.grad += (1.0 - t * t) * g
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        r"""Logistic sigmoid :math:`\sigma(a) = 1/(1 + e^{-a})`, one gate
        (``torch.sigmoid``).

        The local gradient is :math:`\sigma(a)(1 - \sigma(a))`, computed from
        the output; the forward pass never overflows, whatever the size of
        :math:`a`.
        """
        s = _sigmoid(self.data)
        out = _node(s, (self,), "sigmoid")

        def _backward(g):
            self.grad += s * (1.0 - s) * g
        out._backward = _backward
        return out

    def relu(self) -> Value:
        r"""Rectified linear unit :math:`\max(a, 0)`, local gradient
        :math:`[a > 0]`.

        At the kink :math:`a = 0` the gradient is 0, as in ``torch.relu``; a NaN
        stays NaN (with gradient 1, as PyTorch's autograd).
        """
        out = _node(0.0 if self.data <= 0 else self.data, (self,), "relu")

        def _backward(g):
            if not self.data <= 0:
                self.grad += g
        out._backward = _backward
        return out

    # ------------------------------------------------------------- reverse pass
    def backward(self) -> None:
        r"""Reverse pass: set each node's ``grad`` to the derivative of ``self``
        with respect to it.

        The reverse pass first sets the ``grad`` of every node reachable from
        ``self`` to 0, then seeds ``self.grad = 1`` and calls each node's
        local-gradient rule in reverse topological order, so every node has
        received all its upstream gradient before it passes gradient on to its
        parents:

        .. math::

            \bar{v} = \sum_{c \,:\, v \in \mathrm{parents}(c)}
            \frac{\partial c}{\partial v}\,\bar{c}, \qquad \bar{\mathrm{self}} = 1.

        Notes
        -----
        Semantics: the gradients after a call depend only on the graph of ``self``.  Calling
        ``backward`` twice gives the same gradients (PyTorch's ``Tensor.backward`` would add
        them up in the leaves); calling it on another graph that shares leaves overwrites the
        shared leaves' gradients.  Nodes outside this graph keep whatever they had.  To
        differentiate a sum of several outputs, build the sum and call ``backward`` on it.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward(node.grad)


def _no_backward(g: float) -> None:
    """Local-gradient rule of a leaf: nothing to pass on."""


def _node(data: float, parents: tuple, op: str) -> Value:
    """Create the result node of an operation (no validation: data is already a
    float)."""
    out = Value.__new__(Value)
    out.data, out.grad, out.parents = data, 0.0, parents
    out.op, out.label = op, ""
    out._backward = _no_backward
    return out


def _lift(x, where: str) -> Value:
    """Return ``x`` as a Value: Values pass through, real numbers become
    constant leaves."""
    if isinstance(x, Value):
        return x
    if _is_real(x):
        return Value(x)
    raise TypeError(f"{where}: operand must be a Value or a real number, got "
                    f"{type(x).__name__}")


def topological_order(root: Value) -> list[Value]:
    """Return the nodes of ``root``'s graph, each after all of its parents,
    ``root`` last.

    Parameters
    ----------
    root : Value
        The output node.

    Returns
    -------
    list of Value
        Every node reachable from ``root`` through ``parents``, once each, in
        the order of a depth-first post-order walk (first parent first).  The
        forward pass evaluates nodes in this order, the reverse pass visits them
        in the reverse order.

    Notes
    -----
    Iterative, with an explicit stack, so a chain of :math:`10^5` nodes works (a recursive
    walk would exceed Python's recursion limit of about 1000 frames).  PyTorch's autograd
    engine orders its reverse pass by dependency counts instead (Kahn's algorithm).
    """
    if not isinstance(root, Value):
        raise TypeError("topological_order: root must be a Value, got "
                        f"{type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()           # Values hash by identity
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        # all parents are done: the node may follow them
        if expanded:
            order.append(node)
        # (a node reached twice through a fork is skipped)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents)
                         if p not in visited)
    return order


def count_operations(root: Value) -> int:
    """Return the number of operation nodes (non-leaves) in ``root``'s graph.

    One forward pass evaluates each of them once and one reverse pass calls each
    one's local-gradient rule once, so reverse mode costs
    ``2 * count_operations(root)`` elementary steps for the whole gradient; a
    forward-mode pass with :class:`~dlbook.forward_mode.Dual` numbers runs the
    same operations once per input direction.

    Parameters
    ----------
    root : Value
        The output node.

    Returns
    -------
    int
        Nodes of the graph that have parents (constants and inputs are leaves
        and not counted).
    """
    if not isinstance(root, Value):
        raise TypeError("count_operations: root must be a Value, got "
                        f"{type(root).__name__}")
    return sum(1 for node in topological_order(root) if node.parents)


def maximum(a, b):
    r"""Maximum of two Values, of two Duals, or of one of them and a number.

    .. math::

        \max(a, b), \qquad
        \frac{\partial \max}{\partial a} = [a > b] + \tfrac12 [a = b].

    Parameters
    ----------
    a, b : Value, Dual or float
        Operands; mixing a Value with a Dual is an error.

    Returns
    -------
    Value or Dual
        The larger operand's value.  The max gate routes the whole upstream
        gradient to the larger input; at a tie it splits it in halves, exactly
        like ``torch.maximum`` (whose forward-mode tangent is then the mean of
        the two tangents, also as here).
    """
    if isinstance(a, Dual) or isinstance(b, Dual):
        a, b = _lift_dual(a, "maximum"), _lift_dual(b, "maximum")
        sa, sb = _max_shares(a.value, b.value)
        return _dual(_max(a.value, b.value), sa * a.tangent + sb * b.tangent)
    a, b = _lift(a, "maximum"), _lift(b, "maximum")
    out = _node(_max(a.data, b.data), (a, b), "max")

    def _backward(g):
        sa, sb = _max_shares(a.data, b.data)
        a.grad += sa * g
        b.grad += sb * g
    out._backward = _backward
    return out




# ---------------------------------------------------------------------- drawing
def _escape(text: str) -> str:
    """Escape the characters that graphviz record labels treat as syntax."""
    for ch in "\\{}<>|\"":
        text = text.replace(ch, "\\" + ch)
    return text


def draw(root: Value, rankdir: str = "LR"):
    """Draw ``root``'s graph: one box per node (label, data, grad) and one
    circle per operation.

    Parameters
    ----------
    root : Value
        The output node.
    rankdir : {"LR", "TB"}, default "LR"
        Layout direction: left to right or top to bottom.

    Returns
    -------
    graphviz.Digraph
        Numbers are printed with 4 significant digits.  Node names are positions
        in :func:`topological_order` (``n0``, ``n1``, ...), never memory
        addresses, so the source, and the rendered picture, is identical on
        every run.

    Notes
    -----
    Needs the ``graphviz`` Python package; rendering needs the ``dot`` program.  PyTorch's
    closest equivalent is the third-party ``torchviz.make_dot``.
    """
    import graphviz

    if not isinstance(root, Value):
        raise TypeError(
            f"draw: root must be a Value, got {type(root).__name__}")
    check_choice(rankdir, "rankdir", "draw", ("LR", "TB"))
    order = topological_order(root)
    index = {id(node): i for i, node in enumerate(order)}
    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": "Helvetica",
                                      "fontsize": "11"})
    for i, node in enumerate(order):
        fields = [_escape(node.label)] if node.label else []
        fields += [f"data {node.data:.4g}", f"grad {node.grad:.4g}"]
        dot.node(f"n{i}", " | ".join(fields), shape="record")
        if node.op:
            shape = "circle" if len(node.op) <= 3 else "ellipse"
            dot.node(f"n{i}op", _escape(node.op), shape=shape, width="0.3")
            dot.edge(f"n{i}op", f"n{i}")
            for parent in node.parents:
                dot.edge(f"n{index[id(parent)]}", f"n{i}op")
    return dot
