"""Computational graphs and automatic differentiation on scalars (chapter 1).

:class:`Value` records every arithmetic operation as a node of a graph while it computes
(define-by-run, like PyTorch), and :meth:`Value.backward` runs reverse-mode automatic
differentiation over that graph.  :class:`Dual` is forward mode: a dual number carries a value
and one directional derivative (a tangent) through the same operations.  :func:`draw` renders a
graph with graphviz and :func:`topological_order` / :func:`count_operations` inspect it.

Each operation keeps its forward rule and its local-gradient rule side by side, in the style of
Karpathy's micrograd; unlike micrograd, the topological sort is iterative (graphs of any depth)
and :meth:`Value.backward` can be called again without corrupting gradients.  Arithmetic
follows Python's ``math`` module: a domain error (``log`` of a non-positive number, a
fractional power of a negative number) raises ``ValueError``, division by zero raises
``ZeroDivisionError``, and an overflow gives ``inf`` as in PyTorch.
"""

from __future__ import annotations

import math
import numbers

from ._validation import check_choice

__all__ = ["Value", "Dual", "maximum", "topological_order", "count_operations", "draw"]


# --------------------------------------------------------------------------- scalar kernels
def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _pow(x: float, p: float, where: str) -> float:
    if x < 0 and p != int(p):
        raise ValueError(f"{where}: a negative base ({x:g}) needs an integer exponent, got {p:g}")
    if x == 0 and p < 0:
        raise ZeroDivisionError(f"{where}: 0 cannot be raised to a negative power ({p:g})")
    try:
        return x ** p
    except OverflowError:
        return -math.inf if (x < 0 and int(p) % 2) else math.inf


def _pow_slope(x: float, p: float, where: str) -> float:
    """d(x**p)/dx = p x**(p-1), with PyTorch's values 0 for p = 0 and inf at x = 0 for p < 1."""
    if p == 0:
        return 0.0
    if x == 0 and p < 1:
        return math.inf
    return p * _pow(x, p - 1, where)


def _log(x: float, where: str) -> float:
    if x <= 0:
        raise ValueError(f"{where}: argument must be positive, got {x:g}")
    return math.log(x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)              # no overflow: x < 0
    return e / (1.0 + e)


def _max_shares(a: float, b: float) -> tuple[float, float]:
    """Shares of the upstream gradient that maximum(a, b) routes to a and to b (torch's rule)."""
    if a > b:
        return 1.0, 0.0
    if b > a:
        return 0.0, 1.0
    return 0.5, 0.5


def _check_exponent(p, where: str) -> float:
    if not _is_real(p):
        raise TypeError(f"{where}: exponent must be a real number (not a {type(p).__name__}); "
                        "only constant exponents are supported, write exp(b * log(a)) for a ** b")
    if not math.isfinite(p):
        raise ValueError(f"{where}: exponent must be finite, got {p}")
    return float(p)


# --------------------------------------------------------------------------- reverse mode
class Value:
    r"""A scalar node of a computational graph that records how it was computed.

    Arithmetic on ``Value`` objects (and Python numbers) builds the graph as it computes; each
    result remembers its ``parents``, the operation ``op`` and a closure ``_backward(g)`` that,
    given the upstream gradient :math:`g = \bar{c}`, applies the chain rule for that one
    operation:

    .. math::

        \bar{a} \mathrel{+}= \frac{\partial c}{\partial a}\,\bar{c}
        \quad\text{for every parent } a \text{ of } c = \mathrm{op}(a, \dots),

    where :math:`\bar{v} = \partial L / \partial v` is the ``grad`` of node :math:`v`.  The
    ``+=`` makes gradients add up where a node feeds several others (a fork).

    Parameters
    ----------
    data : float
        The value of this leaf node (ints and NumPy scalars are converted to ``float``).
    label : str, default ""
        A name shown by :func:`draw`.

    Attributes
    ----------
    data : float
        The value computed in the forward pass.
    grad : float
        :math:`\partial\,\mathrm{root} / \partial\,\mathrm{self}` after ``root.backward()``;
        0.0 before.
    parents : tuple of Value
        The operands this node was computed from (empty for a leaf).
    op : str
        The operation that produced this node (``""`` for a leaf), e.g. ``"+"``, ``"**2"``.
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
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
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

    # ----------------------------------------------------------------- binary operations
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
            raise ZeroDivisionError("Value.__truediv__: division by zero (the denominator is 0)")
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
        raise TypeError("Value.__rpow__: exponent must be a real number (not a Value); only "
                        "constant exponents are supported, write exp(b * log(a)) for a ** b")

    # ----------------------------------------------------------------- unary operations
    def __neg__(self):
        out = _node(-self.data, (self,), "neg")

        def _backward(g):
            self.grad -= g
        out._backward = _backward
        return out

    def exp(self) -> Value:
        r"""Exponential, :math:`e^a`, with local gradient :math:`e^a` (``torch.exp``)."""
        e = _exp(self.data)
        out = _node(e, (self,), "exp")

        def _backward(g):
            self.grad += e * g
        out._backward = _backward
        return out

    def log(self) -> Value:
        r"""Natural logarithm, :math:`\log a` for :math:`a > 0`, local gradient :math:`1/a`.

        Raises ``ValueError`` for :math:`a \le 0` (``torch.log`` returns ``nan``/``-inf``).
        """
        out = _node(_log(self.data, "Value.log"), (self,), "log")

        def _backward(g):
            self.grad += g / self.data
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        r"""Hyperbolic tangent, local gradient :math:`1 - \tanh^2 a` (``torch.tanh``)."""
        t = math.tanh(self.data)
        out = _node(t, (self,), "tanh")

        def _backward(g):
            self.grad += (1.0 - t * t) * g
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        r"""Logistic sigmoid :math:`\sigma(a) = 1/(1 + e^{-a})`, one gate (``torch.sigmoid``).

        The local gradient is :math:`\sigma(a)(1 - \sigma(a))`, computed from the output; the
        forward pass never overflows, whatever the size of :math:`a`.
        """
        s = _sigmoid(self.data)
        out = _node(s, (self,), "sigmoid")

        def _backward(g):
            self.grad += s * (1.0 - s) * g
        out._backward = _backward
        return out

    def relu(self) -> Value:
        r"""Rectified linear unit :math:`\max(a, 0)`, local gradient :math:`[a > 0]`.

        At the kink :math:`a = 0` the gradient is 0, as in ``torch.relu``.
        """
        out = _node(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward(g):
            if self.data > 0:
                self.grad += g
        out._backward = _backward
        return out

    # ----------------------------------------------------------------- reverse pass
    def backward(self) -> None:
        r"""Reverse pass: set each node's ``grad`` to the derivative of ``self`` with respect to it.

        The reverse pass first sets the ``grad`` of every node reachable from ``self`` to 0,
        then seeds ``self.grad = 1`` and calls each node's local-gradient rule in reverse
        topological order, so every node has received all its upstream gradient before it
        passes gradient on to its parents:

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
    """Create the result node of an operation (no validation: data is already a float)."""
    out = Value.__new__(Value)
    out.data, out.grad, out.parents, out.op, out.label = data, 0.0, parents, op, ""
    out._backward = _no_backward
    return out


def _lift(x, where: str) -> Value:
    """Return ``x`` as a Value: Values pass through, real numbers become constant leaves."""
    if isinstance(x, Value):
        return x
    if _is_real(x):
        return Value(x)
    raise TypeError(f"{where}: operand must be a Value or a real number, got {type(x).__name__}")


def topological_order(root: Value) -> list[Value]:
    """Return the nodes of ``root``'s graph, each after all of its parents, ``root`` last.

    Parameters
    ----------
    root : Value
        The output node.

    Returns
    -------
    list of Value
        Every node reachable from ``root`` through ``parents``, once each, in the order of a
        depth-first post-order walk (first parent first).  The forward pass evaluates nodes in
        this order, the reverse pass visits them in the reverse order.

    Notes
    -----
    Iterative, with an explicit stack, so a chain of :math:`10^5` nodes works (a recursive
    walk would exceed Python's recursion limit of about 1000 frames).  PyTorch's autograd
    engine orders its reverse pass by dependency counts instead (Kahn's algorithm).
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()           # Values hash by identity
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:                      # all parents are done: the node may follow them
            order.append(node)
        elif node not in visited:         # (a node reached twice through a fork is skipped)
            visited.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in visited)
    return order


def count_operations(root: Value) -> int:
    """Return the number of operation nodes (non-leaves) in ``root``'s graph.

    One forward pass evaluates each of them once and one reverse pass calls each one's
    local-gradient rule once, so reverse mode costs ``2 * count_operations(root)`` elementary
    steps for the whole gradient; a forward-mode pass with :class:`Dual` numbers runs the same
    operations once per input direction.

    Parameters
    ----------
    root : Value
        The output node.

    Returns
    -------
    int
        Nodes of the graph that have parents (constants and inputs are leaves and not counted).
    """
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
        The larger operand's value.  The max gate routes the whole upstream gradient to the
        larger input; at a tie it splits it in halves, exactly like ``torch.maximum`` (whose
        forward-mode tangent is then the mean of the two tangents, also as here).
    """
    if isinstance(a, Dual) or isinstance(b, Dual):
        a, b = _lift_dual(a, "maximum"), _lift_dual(b, "maximum")
        sa, sb = _max_shares(a.value, b.value)
        return _dual(max(a.value, b.value), sa * a.tangent + sb * b.tangent)
    a, b = _lift(a, "maximum"), _lift(b, "maximum")
    out = _node(max(a.data, b.data), (a, b), "max")

    def _backward(g):
        sa, sb = _max_shares(a.data, b.data)
        a.grad += sa * g
        b.grad += sb * g
    out._backward = _backward
    return out


# --------------------------------------------------------------------------- forward mode
class Dual:
    r"""A dual number :math:`v + \dot v\,\varepsilon`, with :math:`\varepsilon^2 = 0`: forward mode.

    Every operation computes its value and, by the chain rule, the derivative of that value
    along one input direction (the tangent):

    .. math::

        f(v + \dot v\,\varepsilon) = f(v) + f'(v)\,\dot v\,\varepsilon .

    Seeding one input with tangent 1 and the others with 0 gives one column of the Jacobian
    per pass, so a gradient of :math:`f:\mathbb{R}^n \to \mathbb{R}` needs :math:`n` passes.

    Parameters
    ----------
    value : float
        The primal value :math:`v`.
    tangent : float, default 0.0
        The directional derivative :math:`\dot v` (0 for a constant).

    Notes
    -----
    Same operators, methods and conventions as :class:`Value` (relu'(0) = 0, ties of
    :func:`maximum` split in halves); the PyTorch equivalent is ``torch.func.jvp`` or
    ``torch.autograd.forward_ad``.

    References
    ----------
    Baydin, Pearlmutter, Radul and Siskind (2018), "Automatic differentiation in machine
    learning: a survey"; Griewank and Walther (2008), "Evaluating Derivatives".
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        for name, x in (("value", value), ("tangent", tangent)):
            if not _is_real(x):
                raise TypeError(f"Dual: {name} must be a real number, got {type(x).__name__}")
        self.value, self.tangent = float(value), float(tangent)

    def __repr__(self) -> str:
        return f"Dual(value={self.value:.6g}, tangent={self.tangent:.6g})"

    def __add__(self, other):
        o = _lift_dual(other, "Dual.__add__")
        return _dual(self.value + o.value, self.tangent + o.tangent)

    def __sub__(self, other):
        o = _lift_dual(other, "Dual.__sub__")
        return _dual(self.value - o.value, self.tangent - o.tangent)

    def __mul__(self, other):
        o = _lift_dual(other, "Dual.__mul__")
        tangent = self.tangent * o.value + self.value * o.tangent
        return _dual(self.value * o.value, tangent)

    def __truediv__(self, other):
        o = _lift_dual(other, "Dual.__truediv__")
        if o.value == 0:
            raise ZeroDivisionError("Dual.__truediv__: division by zero (the denominator is 0)")
        q = self.value / o.value
        return _dual(q, (self.tangent - q * o.tangent) / o.value)

    def __pow__(self, exponent):
        p = _check_exponent(exponent, "Dual.__pow__")
        slope = _pow_slope(self.value, p, "Dual.__pow__")
        return _dual(_pow(self.value, p, "Dual.__pow__"), slope * self.tangent)

    def __radd__(self, other):
        return _lift_dual(other, "Dual.__radd__") + self

    def __rsub__(self, other):
        return _lift_dual(other, "Dual.__rsub__") - self

    def __rmul__(self, other):
        return _lift_dual(other, "Dual.__rmul__") * self

    def __rtruediv__(self, other):
        return _lift_dual(other, "Dual.__rtruediv__") / self

    def __rpow__(self, base):
        raise TypeError("Dual.__rpow__: exponent must be a real number (not a Dual); only "
                        "constant exponents are supported, write exp(b * log(a)) for a ** b")

    def __neg__(self):
        return _dual(-self.value, -self.tangent)

    def exp(self) -> Dual:
        r"""Exponential: :math:`(e^v,\ e^v \dot v)`."""
        e = _exp(self.value)
        return _dual(e, e * self.tangent)

    def log(self) -> Dual:
        r"""Natural logarithm: :math:`(\log v,\ \dot v / v)`; ``ValueError`` for :math:`v \le 0`."""
        return _dual(_log(self.value, "Dual.log"), self.tangent / self.value)

    def tanh(self) -> Dual:
        r"""Hyperbolic tangent: :math:`(t,\ (1 - t^2)\dot v)` with :math:`t = \tanh v`."""
        t = math.tanh(self.value)
        return _dual(t, (1.0 - t * t) * self.tangent)

    def sigmoid(self) -> Dual:
        r"""Logistic sigmoid: :math:`(s,\ s(1 - s)\dot v)` with :math:`s = \sigma(v)`."""
        s = _sigmoid(self.value)
        return _dual(s, s * (1.0 - s) * self.tangent)

    def relu(self) -> Dual:
        r"""Rectified linear unit: :math:`(\max(v, 0),\ [v > 0]\,\dot v)`."""
        return _dual(self.value, self.tangent) if self.value > 0 else _dual(0.0, 0.0)


def _dual(value: float, tangent: float) -> Dual:
    """Create the result of a forward-mode operation (no validation: both are floats)."""
    out = Dual.__new__(Dual)
    out.value, out.tangent = value, tangent
    return out


def _lift_dual(x, where: str) -> Dual:
    if isinstance(x, Dual):
        return x
    if _is_real(x):
        return _dual(float(x), 0.0)
    raise TypeError(f"{where}: operand must be a Dual or a real number, got {type(x).__name__}")


# --------------------------------------------------------------------------- drawing
def _escape(text: str) -> str:
    """Escape the characters that graphviz record labels treat as syntax."""
    for ch in "\\{}<>|\"":
        text = text.replace(ch, "\\" + ch)
    return text


def draw(root: Value, rankdir: str = "LR"):
    """Draw ``root``'s graph: one box per node (label, data, grad) and one circle per operation.

    Parameters
    ----------
    root : Value
        The output node.
    rankdir : {"LR", "TB"}, default "LR"
        Layout direction: left to right or top to bottom.

    Returns
    -------
    graphviz.Digraph
        Numbers are printed with 4 significant digits.  Node names are positions in
        :func:`topological_order` (``n0``, ``n1``, ...), never memory addresses, so the
        source, and the rendered picture, is identical on every run.

    Notes
    -----
    Needs the ``graphviz`` Python package; rendering needs the ``dot`` program.  PyTorch's
    closest equivalent is the third-party ``torchviz.make_dot``.
    """
    import graphviz

    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    check_choice(rankdir, "rankdir", "draw", ("LR", "TB"))
    order = topological_order(root)
    index = {id(node): i for i, node in enumerate(order)}
    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"})
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
