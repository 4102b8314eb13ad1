"""What a model's own steps need to run under a `tf.distribute` strategy."""

import tensorflow as tf


def reducible_logs(logs):
    """A training or test step's ``logs``, shaped so that Keras can average them.

    Under MultiWorkerMirroredStrategy Keras 3 averages each log over the workers
    along axis 0 (keras-team/keras#20585), which a scalar lacks: there each
    becomes a vector of one, which the average turns back into a scalar.
    Elsewhere the logs are returned as they are.
    """
    strategy = tf.distribute.get_strategy()
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    if not (multi_worker and strategy.extended._in_multi_worker_mode()):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}
