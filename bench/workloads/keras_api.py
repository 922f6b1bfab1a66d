"""The workloads written once against the Keras API, run by glassnet, Keras-on-TF and
Keras-on-JAX alike: the same lines as the lecture, ``keras`` being whichever library
the calling script imported.

    W1  the lecture MLP 784-300-100-10 (ReLU, softmax), SGD lr 0.01, batch 32,
        validation on the 5,000 images each epoch, test accuracy after --epochs
    W2  the lecture's BatchNormalization + Dropout(0.2) ELU/He-normal model, Adam 1e-3
    W3  predict() of the (untrained) W1 model on the 10,000 test images, batch 32 / 1024
    W6  20 hidden Dense(100, ReLU) layers, SGD lr 0.01, batch 32
Kernels are Glorot-uniform (He-normal in W2), biases zero: the Keras defaults.
"""
import common

BATCH = 32


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
    hidden = [layers.Dense(100, activation="relu") for _ in range(20)]
    return keras.models.Sequential(
        [layers.Flatten(input_shape=[28, 28]), *hidden, layers.Dense(10, activation="softmax")]
    )


def compile_model(keras, model, workload):
    if workload == "W2":
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
    records = []
    timer = epoch_timer(keras, meter, records)
    model.fit(x_train, y_train, batch_size=BATCH, epochs=args.epochs,
              validation_data=valid, callbacks=[timer], verbose=0)
    fields = {"memory_after_fit": common.memory_mib()}
    if args.workload == "W1":
        _, accuracy = model.evaluate(x_test, y_test, batch_size=BATCH, verbose=0)
        fields["test_accuracy"] = float(accuracy)
        fields["memory"] = common.memory_mib()
    epoch = args.epochs
    while (common.count_clean(records) < min(args.min_clean, args.epochs - 1)
           and epoch < args.epochs + args.max_extra):
        model.fit(x_train, y_train, batch_size=BATCH, epochs=epoch + 1, initial_epoch=epoch,
                  validation_data=valid, callbacks=[timer], verbose=0)
        epoch += 1
    return common.train_result(args, records, args.epochs, **fields)


def predict(model, args, data, meter):
    x_test = data[2][0]
    timings = common.predict_timings(
        lambda batch_size: model.predict(x_test, batch_size=batch_size, verbose=0),
        (32, 1024), args, meter)
    return {"workload": "W3", "predict": timings}


def run(keras, framework, args, versions):
    """Loads the data once, runs ``args.workload``, prints the result line."""
    meter = common.CpuMeter(args.noise)
    data = common.load_data(args.train_size)
    baseline = common.memory_mib()
    keras.utils.set_random_seed(args.seed)
    model = build_model(keras, args.workload)
    compile_model(keras, model, args.workload)
    if args.workload == "W3":
        result = predict(model, args, data, meter)
    else:
        result = train(keras, model, args, data, meter)
    result.update(framework=framework, versions=versions, memory_after_data=baseline,
                  jit_compile=getattr(model, "jit_compile", None),
                  environment=common.environment(), blas=common.blas_info())
    common.emit(result)
