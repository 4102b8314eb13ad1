"""Training on several devices or machines with TensorFlow's distribution strategies.

``make_strategy("mirrored")`` trains on every local GPU, ``"multiworker"`` on
several machines (each runs the same command, with ``TF_CONFIG`` naming the
cluster and its own place in it). Keras `fit` splits each batch of the dataset
over the replicas, so ``batch_size`` is the global batch: the update is the
one a single device would make on the whole batch, provided that:

* each replica's loss is divided by the number of replicas (`Pix2Pix.train_step`
  does; the optimizers sum gradients over replicas);
* batch normalization uses the statistics of the global batch, not of each
  replica's share: `set_synchronized_batch_norm` (an all-reduce per layer and step);
* dropout draws its own noise on each replica, so runs agree in distribution,
  not bit for bit.

Example:
    >>> strategy = make_strategy("mirrored")
    >>> with strategy.scope():
    ...     model = Pix2Pix(UNetGenerator(), PatchDiscriminator())
    ...     model.compile()
    >>> model.fit(dataset_with_global_batch, epochs=10)
"""

import json
import os
import time

import keras
import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multiworker")


def make_strategy(name="default", devices=None):
    """The `tf.distribute.Strategy` called ``name``.

    Create it before any other TensorFlow work in the process:
    MultiWorkerMirroredStrategy must set up collectives before devices initialise.

    Args:
        name: "default" (one device), "mirrored" (all local GPUs, or ``devices``)
            or "multiworker" (the cluster of the ``TF_CONFIG`` environment variable).
        devices: for "mirrored", the devices to use, e.g. ``["/cpu:0", "/cpu:1"]``.

    Returns:
        The strategy; build and compile the model inside its ``scope()``.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}.")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    if not os.environ.get("TF_CONFIG"):
        raise ValueError(
            "--strategy multiworker needs the TF_CONFIG environment variable: the cluster "
            '(e.g. {"worker": ["host1:12345", "host2:12345"]}) and this worker\'s task '
            '({"type": "worker", "index": 0}), on every machine. See docs/performance.md.'
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy=None):
    """True unless this process is a multi-worker task other than the chief.

    The chief is the "chief" task, or worker 0 of a cluster without one; it alone
    writes the run directory.
    """
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def worker_name(strategy=None):
    """ "chief" or e.g. "worker_1": a name for this process's own scratch files."""
    if is_chief(strategy):
        return "chief"
    resolver = (strategy or tf.distribute.get_strategy()).cluster_resolver
    return f"{resolver.task_type}_{resolver.task_id}"


def agreed_clock(strategy=None, clock=None):
    """A clock that every worker of a cluster reads alike, for the callbacks that
    stop or decay training by the time (`TimeBudget`, `DecayToBudget`).

    Each worker would otherwise follow its own clock, and one that stopped a step
    before the others would fail their next step's all-reduce with mismatched
    tensors. A read returns the seconds since this call, the largest over the
    workers: an all-gather at each read, so every worker must read it at the same
    points (Keras calls these callbacks in order between steps: they are not
    ``async_safe``).

    Args:
        strategy: the strategy training runs under (default: the current one).
        clock: the local clock (default: ``time.perf_counter``).

    Returns:
        A function of no arguments that returns seconds; outside a cluster of
        several workers, the local clock itself.
    """
    strategy = strategy or tf.distribute.get_strategy()
    clock = clock or time.perf_counter
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None:
        return clock
    cluster = resolver.cluster_spec().as_dict()
    if len(cluster.get("chief", [])) + len(cluster.get("worker", [])) < 2:  # the ones training
        return clock
    start = clock()

    @tf.function
    def largest(seconds):  # all-reduce has no max: gather every replica's, then take it
        per_replica = strategy.run(lambda s: tf.reshape(s, [1]), args=(seconds,))
        return tf.reduce_max(strategy.gather(per_replica, axis=0))

    return lambda: float(largest(tf.constant(clock() - start, tf.float32)))


def set_synchronized_batch_norm(model, synchronized=True):
    """Makes every batch normalization of ``model`` use global-batch statistics.

    Under a strategy with several replicas each replica would otherwise normalise
    with the mean and variance of its own share of the batch (with pix2pix's small
    batches, of one or two images), which changes what the model learns with
    the number of devices.

    Args:
        model: a Keras model (its nested layers are changed in place).
        synchronized: True to all-reduce the statistics over replicas.
    """
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = synchronized


def shard_by_data(dataset):
    """``dataset`` with auto-sharding by element, as multi-worker training needs.

    Datasets built from generators or in-memory arrays have no files to shard by;
    saying so up front avoids TensorFlow's fallback warning.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def tf_config(workers, index):
    """The ``TF_CONFIG`` value of worker ``index`` of a cluster of ``workers`` (host:port)."""
    return json.dumps(
        {"cluster": {"worker": list(workers)}, "task": {"type": "worker", "index": index}}
    )
