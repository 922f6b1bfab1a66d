"""The workloads written once against the Keras API, run by glassnet, Keras-on-TF and
Keras-on-JAX alike: the same lines as the lecture, ``keras`` being whichever library
the calling script imported.

    W1  the lecture MLP 784-300-100-10 (ReLU, softmax), SGD lr 0.01, batch 32,
        validation on the 5,000 images each epoch, test accuracy after --epochs
    W2  the lecture's BatchNormalization + Dropout(0.2) ELU/He-normal model, Adam 1e-3
    W3  predict() of the (untrained) W1 model on the 10,000 test images, batch 32 / 1024
    W6  20 hidden Dense(100, ReLU) layers, SGD lr 0.01, batch 32
    W7  the Keras "simple MNIST convnet" (Conv2D 32 / 64, 3x3, ReLU, MaxPooling2D 2,
        Flatten, Dropout 0.5, softmax) on (N, 28, 28, 1) images, Adam 1e-3, batch 128;
        then predict() of the trained CNN on the 10,000 test images, batch 32 / 128
Kernels are Glorot-uniform (He-normal in W2), biases zero: the Keras defaults.
"""
import common

BATCH = 32
BATCH_SIZES = {"W7": 128}  # fit's batch (validation uses the same); 32 elsewhere
PREDICT_BATCHES = {"W3": (32, 1024), "W7": (32, 128)}


def build_model(keras, workload):
    layers = keras.layers
    if workload in ("W1", "W3"):
        return keras.models.Sequential([
            layers.Flatten(input_shape=[28, 28]),
            layers.Dense(300, activation="relu"),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
    if workload == "W2":
        return keras.models.Sequential([
            layers.Flatten(input_shape=[28, 28]),
            layers.BatchNormalization(),
            layers.Dropout(rate=0.2),
            layers.Dense(300, activation="elu", kernel_initializer="he_normal"),
            layers.BatchNormalization(),
            layers.Dropout(rate=0.2),
            layers.Dense(100, activation="elu", kernel_initializer="he_normal"),
            layers.BatchNormalization(),
            layers.Dropout(rate=0.2),
            layers.Dense(10, activation="softmax"),
        ])
    if workload == "W7":  # keras.io/examples/vision/mnist_convnet
        return keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ])
    hidden = [layers.Dense(100, activation="relu") for _ in range(20)]
    return keras.models.Sequential(
        [layers.Flatten(input_shape=[28, 28]), *hidden, layers.Dense(10, activation="softmax")]
    )


def compile_model(keras, model, workload):
    if workload in ("W2", "W7"):
        optimizer = keras.optimizers.Adam(learning_rate=0.001)
    else:
        optimizer = keras.optimizers.SGD(learning_rate=0.01)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer,
                  metrics=["accuracy"])


def epoch_timer(keras, meter, records):
    """A callback that appends one CpuMeter record per epoch (validation included)."""

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            meter.start()

        def on_epoch_end(self, epoch, logs=None):
            records.append(meter.stop())

    return EpochTimer()


def train(keras, model, args, data, meter):
    (x_train, y_train), valid, (x_test, y_test) = data
    batch = BATCH_SIZES.get(args.workload, BATCH)
    records = []
    timer = epoch_timer(keras, meter, records)
    history = model.fit(x_train, y_train, batch_size=batch, epochs=args.epochs,
                        validation_data=valid, callbacks=[timer], verbose=0)
    fields = {"memory_after_fit": common.memory_mib(),
              "val_accuracy": [float(a) for a in history.history["val_accuracy"]]}
    if args.workload == "W1":
        _, accuracy = model.evaluate(x_test, y_test, batch_size=BATCH, verbose=0)
        fields["test_accuracy"] = float(accuracy)
        fields["memory"] = common.memory_mib()
    epoch = args.epochs
    while (common.count_clean(records) < min(args.min_clean, args.epochs - 1)
           and epoch < args.epochs + args.max_extra):
        model.fit(x_train, y_train, batch_size=batch, epochs=epoch + 1, initial_epoch=epoch,
                  validation_data=valid, callbacks=[timer], verbose=0)
        epoch += 1
    return common.train_result(args, records, args.epochs, **fields)


def predict_timings(model, args, data, meter):
    x_test = data[2][0]
    return common.predict_timings(
        lambda batch_size: model.predict(x_test, batch_size=batch_size, verbose=0),
        PREDICT_BATCHES[args.workload], args, meter)


def as_images(data):
    """The splits with x reshaped to (N, 28, 28, 1), channels last (a view, no copy)."""
    return tuple((x.reshape(-1, 28, 28, 1), y) for x, y in data)


def run(keras, framework, args, versions):
    """Loads the data once, runs ``args.workload``, prints the result line."""
    meter = common.CpuMeter(args.noise)
    data = common.load_data(args.train_size)
    if args.workload == "W7":
        data = as_images(data)
    baseline = common.memory_mib()
    keras.utils.set_random_seed(args.seed)
    model = build_model(keras, args.workload)
    compile_model(keras, model, args.workload)
    if args.workload == "W3":
        result = {"workload": "W3", "predict": predict_timings(model, args, data, meter)}
    else:
        result = train(keras, model, args, data, meter)
    if args.workload == "W7":  # the trained CNN, after the timed (and extra) epochs
        result["predict"] = predict_timings(model, args, data, meter)
    result.update(framework=framework, versions=versions, memory_after_data=baseline,
                  jit_compile=getattr(model, "jit_compile", None),
                  environment=common.environment(), blas=common.blas_info())
    common.emit(result)
