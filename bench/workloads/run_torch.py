"""PyTorch on a workload: the same models as keras_api.py written the way a PyTorch user
would: nn.Sequential ending in logits, nn.CrossEntropyLoss, a plain loop over shuffled
index slices (no DataLoader), running loss/accuracy via .item() as Keras' metrics do,
validation each epoch in eval mode with the training batch (32; 128 in W7) like Keras.

Matching Keras: Glorot-uniform kernels (He-normal, truncated as in Keras, for W2), zero
biases, BatchNorm1d(eps=1e-3, momentum=0.01) = Keras' (epsilon=1e-3, momentum=0.99),
Adam(eps=1e-7), threads via torch.set_num_threads(--threads).  W7's CNN takes NCHW
images (N, 1, 28, 28) as PyTorch users write it; nn.init.xavier_uniform_ on a conv weight
(out, in, kh, kw) uses fan_in = in*kh*kw and fan_out = out*kh*kw, as Keras' Glorot does.
"""
import math

import common
import numpy as np
import torch
from torch import nn

BATCH = 32
BATCH_SIZES = {"W7": 128}
PREDICT_BATCHES = {"W3": (32, 1024), "W7": (32, 128)}
TRUNCATED_STD = 0.87962566103423978  # std of a unit normal truncated to [-2, 2]


def init_linear(layer, he_normal):
    if he_normal:
        std = math.sqrt(2.0 / layer.in_features) / TRUNCATED_STD
        nn.init.trunc_normal_(layer.weight, std=std, a=-2 * std, b=2 * std)
    else:
        nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def init_conv(layer):
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def build_model(workload):
    if workload == "W7":  # the Keras "simple MNIST convnet"; 64 x 5 x 5 = 1600 features
        return nn.Sequential(
            init_conv(nn.Conv2d(1, 32, kernel_size=3)), nn.ReLU(), nn.MaxPool2d(2),
            init_conv(nn.Conv2d(32, 64, kernel_size=3)), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5),
            init_linear(nn.Linear(1600, 10), False),
        )
    if workload in ("W1", "W3"):
        return nn.Sequential(
            nn.Flatten(),
            init_linear(nn.Linear(784, 300), False), nn.ReLU(),
            init_linear(nn.Linear(300, 100), False), nn.ReLU(),
            init_linear(nn.Linear(100, 10), False),
        )
    if workload == "W2":
        def block(n_in, n_out):
            return [nn.BatchNorm1d(n_in, eps=1e-3, momentum=0.01), nn.Dropout(0.2),
                    init_linear(nn.Linear(n_in, n_out), True), nn.ELU()]
        return nn.Sequential(
            nn.Flatten(), *block(784, 300), *block(300, 100),
            nn.BatchNorm1d(100, eps=1e-3, momentum=0.01), nn.Dropout(0.2),
            init_linear(nn.Linear(100, 10), False),
        )
    layers = [nn.Flatten(), init_linear(nn.Linear(784, 100), False), nn.ReLU()]
    for _ in range(19):
        layers += [init_linear(nn.Linear(100, 100), False), nn.ReLU()]
    return nn.Sequential(*layers, init_linear(nn.Linear(100, 10), False))


def make_optimizer(model, workload):
    if workload in ("W2", "W7"):
        return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    return torch.optim.SGD(model.parameters(), lr=0.01)


def train_epoch(model, optimizer, loss_fn, x, y, batch):
    model.train()
    perm = torch.randperm(len(x))
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), batch):
        index = perm[start:start + batch]
        xb, yb = x[index], y[index]
        optimizer.zero_grad()
        logits = model(xb)
        loss = loss_fn(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
    return total_loss / len(x), correct / len(x)


def evaluate(model, loss_fn, x, y, batch):
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            logits = model(xb)
            total_loss += loss_fn(logits, yb).item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
    return total_loss / len(x), correct / len(x)


def predict(model, x, batch_size):
    model.eval()
    with torch.inference_mode():
        outputs = [torch.softmax(model(x[start:start + batch_size]), dim=1)
                   for start in range(0, len(x), batch_size)]
    return torch.cat(outputs).numpy()


def as_tensors(pair, workload):
    x, y = pair
    if workload == "W7":
        x = x.reshape(-1, 1, 28, 28)  # NCHW, a view
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


def train(model, args, data, meter):
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = (
        as_tensors(p, args.workload) for p in data)
    optimizer = make_optimizer(model, args.workload)
    loss_fn = nn.CrossEntropyLoss()
    batch = BATCH_SIZES.get(args.workload, BATCH)
    records, fields = [], {"val_accuracy": []}

    def one_epoch():
        meter.start()
        train_epoch(model, optimizer, loss_fn, x_train, y_train, batch)
        accuracy = evaluate(model, loss_fn, x_valid, y_valid, batch)[1]
        records.append(meter.stop())
        return accuracy

    for _ in range(args.epochs):
        fields["val_accuracy"].append(one_epoch())
    fields["memory_after_fit"] = common.memory_mib()
    if args.workload == "W1":
        fields["test_accuracy"] = evaluate(model, loss_fn, x_test, y_test, batch)[1]
        fields["memory"] = common.memory_mib()
    extra = 0
    while common.count_clean(records) < min(args.min_clean, args.epochs - 1) \
            and extra < args.max_extra:
        one_epoch()
        extra += 1
    return common.train_result(args, records, args.epochs, **fields)


def main():
    args = common.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    meter = common.CpuMeter(args.noise)
    data = common.load_data(args.train_size)
    baseline = common.memory_mib()
    torch.manual_seed(args.seed)
    model = build_model(args.workload)
    x_test = as_tensors(data[2], args.workload)[0]

    def predict_timings():
        return common.predict_timings(
            lambda batch_size: predict(model, x_test, batch_size),
            PREDICT_BATCHES[args.workload], args, meter)

    if args.workload == "W3":
        result = {"workload": "W3", "predict": predict_timings()}
    else:
        result = train(model, args, data, meter)
    if args.workload == "W7":  # the trained CNN, after the timed (and extra) epochs
        result["predict"] = predict_timings()
    result.update(framework="torch", versions={"torch": torch.__version__,
                                               "numpy": np.__version__},
                  memory_after_data=baseline, threads=torch.get_num_threads(),
                  torch_config=torch.__config__.parallel_info(),
                  environment=common.environment(), blas=common.blas_info())
    common.emit(result)


if __name__ == "__main__":
    main()
