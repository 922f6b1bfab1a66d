"""Keras 3 on TensorFlow on a workload (see keras_api.py), intra/inter-op threads set
to --threads before TensorFlow starts."""
import os

import common
import keras_api

if __name__ == "__main__":
    args = common.parse_args()
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    keras_api.run(keras, "tf", args, {"tensorflow": tf.__version__,
                                      "keras": keras.__version__})
