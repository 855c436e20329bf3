"""dlbook.training: define / compile / fit against a hand-written loop and against PyTorch."""

import numpy as np
import pytest
import torch

from dlbook import optim, schedules
from dlbook.batchnorm import BatchNorm1d
from dlbook.losses import softmax_cross_entropy
from dlbook.nn import MLP, Linear
from dlbook.pipeline import Dataset
from dlbook.regularization import Dropout
from dlbook.training import (Activation, Callback, EarlyStoppingCallback, LearningRateScheduler,
                             Sequential)


def toy_data(seed=0, n=96, d=6, k=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.argmax(X[:, :k] + 0.5 * rng.standard_normal((n, k)), axis=1)
    return X, y


def make_model(seed=0, sizes=(6, 8, 3), activation="tanh"):
    rng = np.random.default_rng(seed)
    layers = []
    for d_in, d_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [Linear(d_in, d_out, rng), Activation(activation)]
    return Sequential(layers + [Linear(sizes[-2], sizes[-1], rng)])


class Recorder(Callback):
    """Copies of the parameters before every step and learning rates used by every step."""

    def on_train_begin(self):
        self.params, self.lrs = [], []

    def on_batch_end(self, step, grads):
        self.params.append([p.copy() for p in self.model.params()])
        self.lrs.append(self.model.optimizer.lr)


def test_sequential_equals_mlp():
    mlp = MLP([6, 8, 5, 3], activation="tanh", rng=np.random.default_rng(1))
    seq = make_model(1, (6, 8, 5, 3))
    assert all(np.array_equal(a, b) for a, b in zip(mlp.params(), seq.params()))
    X, _ = toy_data()
    dy = np.random.default_rng(2).standard_normal((len(X), 3))
    np.testing.assert_array_equal(seq.forward(X), mlp.forward(X))
    # MLP takes tanh' = 1 - y^2 from the output, Activation tanh_grad(a): equal to rounding
    np.testing.assert_allclose(seq.backward(dy), mlp.backward(dy), rtol=1e-12, atol=1e-15)
    for a, b in zip(mlp.grads(), seq.grads()):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15)


def test_fit_equals_the_hand_written_loop():
    X, y = toy_data()
    model = make_model()
    model.compile("cross_entropy", optim.SGD(model.params(), lr=0.1, momentum=0.9))
    history = model.fit(X, y, epochs=3, batch_size=20, rng=np.random.default_rng(5))

    twin = make_model()
    opt = optim.SGD(twin.params(), lr=0.1, momentum=0.9)
    rng, epoch_losses = np.random.default_rng(5), []
    for _ in range(3):
        order, total = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), 20):
            index = order[start:start + 20]
            loss, dlogits = softmax_cross_entropy(twin.forward(X[index]), y[index])
            twin.backward(dlogits)
            opt.step(twin.grads())
            total += loss * len(index)
        epoch_losses.append(total / len(X))
    assert all(np.array_equal(a, b) for a, b in zip(model.params(), twin.params()))
    np.testing.assert_allclose(history["loss"], epoch_losses, rtol=1e-14)
    assert history.epoch == [0, 1, 2] and history["lr"] == [0.1] * 3


def test_fit_follows_pytorch_step_by_step():
    # 4 epochs x 5 batches = 20 steps of Adam with a per-epoch StepLR, float64, same batches
    X, y = toy_data(3, n=100)
    model = make_model(4, (6, 16, 16, 3))
    model.compile("cross_entropy", optim.Adam(model.params(), lr=0.02))
    recorder = Recorder()
    model.fit(X, y, epochs=4, batch_size=20, rng=np.random.default_rng(6),
              callbacks=[LearningRateScheduler(lambda t: schedules.step_lr(0.02, t, 2, 0.5)), recorder])

    net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16),
                              torch.nn.Tanh(), torch.nn.Linear(16, 3)).double()
    fresh = make_model(4, (6, 16, 16, 3))
    with torch.no_grad():
        for p, q in zip(net.parameters(), fresh.params()):
            p.copy_(torch.from_numpy(q))
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    rng, step = np.random.default_rng(6), 0
    for _ in range(4):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 20):
            index = order[start:start + 20]
            for ours, theirs in zip(recorder.params[step], net.parameters()):
                np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
            assert recorder.lrs[step] == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(torch.from_numpy(X[index])),
                                              torch.from_numpy(y[index])).backward()
            opt.step()
            step += 1
        sched.step()
    assert step == len(recorder.params) == 20
    for ours, theirs in zip(model.params(), net.parameters()):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_early_stopping_stops_after_patience_and_restores_the_best():
    X, y = toy_data(7)
    X_val, y_val = X[:40], (y[:40] + 1) % 3          # labels the training pushes away from
    model = make_model(8)
    model.compile("cross_entropy", optim.SGD(model.params(), lr=0.2), metrics=["accuracy"])

    class Snapshots(Callback):
        def on_train_begin(self):
            self.kept = []

        def on_epoch_end(self, epoch, logs):
            self.kept.append([p.copy() for p in self.model.params()])

    snaps, stopper = Snapshots(), EarlyStoppingCallback("val_loss", patience=3)
    history = model.fit(X, y, epochs=50, batch_size=16, validation_data=(X_val, y_val),
                        callbacks=[snaps, stopper], rng=np.random.default_rng(9))
    val = history["val_loss"]
    best = int(np.argmin(val))
    assert stopper.stopped_epoch == best + 3 == len(val) - 1 < 49
    assert all(v >= val[best] for v in val[best + 1:])
    assert all(np.array_equal(p, q) for p, q in zip(model.params(), snaps.kept[best]))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}


def test_learning_rate_scheduler_per_epoch_and_per_step():
    X, y = toy_data()
    model = make_model()
    model.compile("cross_entropy", optim.SGD(model.params(), lr=1.0))
    recorder = Recorder()
    history = model.fit(X, y, epochs=3, batch_size=32, rng=np.random.default_rng(0),
                        callbacks=[LearningRateScheduler(lambda t: 0.1 * 0.5 ** t), recorder])
    assert history["lr"] == [0.1, 0.05, 0.025]
    assert recorder.lrs == [0.1] * 3 + [0.05] * 3 + [0.025] * 3
    model.fit(X, y, epochs=2, batch_size=32, rng=np.random.default_rng(0),
              callbacks=[LearningRateScheduler(lambda t: schedules.linear_warmup(0.1, t, 4), per="step"),
                         recorder])
    assert recorder.lrs == pytest.approx([schedules.linear_warmup(0.1, t, 4) for t in range(6)])


def test_gradient_clipping_in_a_callback_and_dataset_input():
    X, y = toy_data()
    from dlbook.clipping import clip_grad_norm

    class Clip(Callback):
        def on_batch_end(self, step, grads):
            self.norm = clip_grad_norm(grads, 1e-3)

    model = make_model()
    model.compile("cross_entropy", optim.SGD(model.params(), lr=1.0))
    before = [p.copy() for p in model.params()]
    ds = Dataset.from_tensor_slices((X, y)).batch(96)
    clip = Clip()
    model.fit(ds, epochs=1, callbacks=[clip])
    change = np.sqrt(sum(np.sum((p - q) ** 2) for p, q in zip(model.params(), before)))
    assert clip.norm > 1e-3 and change == pytest.approx(1e-3, rel=1e-4)


def test_an_optimizer_on_some_parameters_freezes_the_others():
    X, y = toy_data()
    model = make_model(0, (6, 8, 8, 3))
    frozen = [p.copy() for p in model.params()[:2]]
    head = model.layers[-1]
    model.compile("cross_entropy", optim.SGD([head.bias, head.weight], lr=0.1))   # any order
    recorder = Recorder()
    model.fit(X, y, epochs=1, batch_size=32, rng=np.random.default_rng(0), callbacks=[recorder])
    assert all(np.array_equal(p, q) for p, q in zip(model.params()[:2], frozen))
    assert not np.array_equal(head.weight, recorder.params[0][-2])


def test_train_eval_and_evaluate():
    X, y = toy_data()
    rng = np.random.default_rng(0)
    model = Sequential([Linear(6, 8, rng), BatchNorm1d(8), Activation("relu"), Dropout(0.5, rng),
                        Linear(8, 3, rng)])
    model.compile("cross_entropy", optim.Adam(model.params()), metrics=["accuracy"])
    model.fit(X, y, epochs=2, rng=rng)
    assert model.training and model.layers[1].training and model.layers[3].training
    np.testing.assert_array_equal(model.predict(X), model.predict(X))   # eval: no dropout noise
    assert model.training, "predict restores the training mode"
    result = model.evaluate(X, y)
    logits = model.eval().forward(X)
    model.train()
    assert result["loss"] == pytest.approx(softmax_cross_entropy(logits, y)[0], rel=1e-14)
    assert result["accuracy"] == np.mean(np.argmax(logits, 1) == y)


def test_state_dict_matches_pytorch_keys_and_loads():
    rng = np.random.default_rng(0)
    model = Sequential([Linear(4, 5, rng), BatchNorm1d(5), Activation("relu"), Linear(5, 2, rng)])
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(),
                              torch.nn.Linear(5, 2)).double()
    theirs = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert list(model.state_dict()) == list(theirs)
    model.load_state_dict({k: v.numpy() for k, v in theirs.items()})
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, theirs[key].numpy())
    with pytest.raises(ValueError, match=r"keys do not match; missing \['3.bias'\]"):
        model.load_state_dict({k: v for k, v in model.state_dict().items() if k != "3.bias"})
    with pytest.raises(ValueError, match=r"state\['0.bias'\] must have shape \(5,\)"):
        model.load_state_dict({**model.state_dict(), "0.bias": np.zeros(4)})


def test_no_output_outside_a_notebook(capsys):
    X, y = toy_data()
    model = make_model()
    model.compile("mse", optim.SGD(model.params(), lr=0.01))
    model.fit(X, np.eye(3)[y], epochs=2, rng=np.random.default_rng(0))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_bad_input():
    X, y = toy_data()
    model = make_model()
    other = make_model(1)
    with pytest.raises(RuntimeError, match="Sequential.fit: call compile"):
        model.fit(X, y, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Sequential.compile: optimizer must be built on arrays of this model's params\(\); "
                       r"its params\[0\] \(shape \(8, 6\)\) is not one of them"):
        model.compile("cross_entropy", optim.SGD(other.params(), lr=0.1))
    with pytest.raises(ValueError, match="Sequential.compile: loss must be one of"):
        model.compile("hinge", optim.SGD(model.params(), lr=0.1))
    with pytest.raises(TypeError, match="optimizer must be a dlbook.optim optimizer"):
        model.compile("mse", "adam")
    with pytest.raises(ValueError, match="every metric must be 'accuracy' or a callable"):
        model.compile("mse", optim.SGD(model.params(), lr=0.1), metrics=["f1"])
    model.compile("cross_entropy", optim.SGD(model.params(), lr=0.1))
    with pytest.raises(TypeError, match="Sequential.fit: rng must be a numpy.random.Generator"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="x and y must have the same length, got 96 and 95"):
        model.fit(X, y[:-1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="Sequential.fit: epochs must be >= 1, got 0"):
        model.fit(X, y, epochs=0, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="validation_data must be a tuple"):
        model.fit(X, y, validation_data=[X, y], rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a dlbook.training.Callback"):
        model.fit(X, y, callbacks=[print], rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="without y, x must be a re-iterable dataset"):
        model.fit(iter([(X, y)]))
    with pytest.raises(ValueError, match="monitor 'val_loss' is not among the logged numbers"):
        model.fit(X, y, callbacks=[EarlyStoppingCallback()], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="EarlyStopping: patience must be >= 0"):
        EarlyStoppingCallback(patience=-1)
    with pytest.raises(ValueError, match="LearningRateScheduler: per must be one of"):
        LearningRateScheduler(lambda t: 0.1, per="batch")
    with pytest.raises(ValueError, match="LearningRateScheduler: schedule\\(0\\) must be in"):
        model.fit(X, y, callbacks=[LearningRateScheduler(lambda t: -0.1)], rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"Sequential: layers\[1\] \(int\) needs forward and backward"):
        Sequential([Linear(2, 2), 3])
    with pytest.raises(ValueError, match="Activation: name must be one of"):
        Activation("gelu")
