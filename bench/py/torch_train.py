"""Times the PyTorch reference VAE with the reference's own model and training loop
(shared/peers/pytorch_vae.py: VAE, train) on the first --rows MNIST rows, --epochs times.
Prints one JSON line. Run by bench/cases/training.ts."""
import argparse, json, os, sys, time

sys.path.insert(0, os.environ["LAB_PEERS"])
import torch  # noqa: E402
from common import load  # noqa: E402
from pytorch_vae import VAE, evaluate, train  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=60000)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--test", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
Xtr, _, Xte, _ = load("mnist")
X = torch.from_numpy(Xtr[: a.rows])
model = VAE()
times, cpu = [], []
if a.test:  # one run of the reference loop, for the −ELBO comparison
    c0 = time.process_time()
    times = train(model, X, a.epochs, log=lambda *_: None)
    cpu = [(time.process_time() - c0) / a.epochs] * a.epochs
else:  # one call per epoch to read each epoch's process CPU time (train() makes a fresh Adam per
    # call: the same work per step; this mode measures speed only)
    for _ in range(a.epochs):
        c0 = time.process_time()
        times += train(model, X, 1, log=lambda *_: None)
        cpu.append(time.process_time() - c0)
out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": len(X),
       "samplesPerSec": [len(X) / t for t in times], "samplesPerCpuSec": [len(X) / c for c in cpu]}
if a.test:
    out["testNegElbo"] = evaluate(model, torch.from_numpy(Xte))[0]
print(json.dumps(out))
