"""Times PyTorch on the same network as our default image model (the conv VAE the engine builds
for MNIST: electron/engine/models/model.ts with CONV_CHANNELS [16, 32], hidden [400], latent 2):
  encoder  3x3 conv 1->16 'same', relu, 2x2 avg-pool; 3x3 conv 16->32, relu, 2x2 avg-pool;
           dense 1568->400 relu; mu, logvar 400->2
  decoder  dense 2->400 relu; dense 400->1568 relu -> 32x7x7; nearest x2, 3x3 conv 32->16, relu;
           nearest x2, 3x3 conv 16->1 -> logits
Bernoulli likelihood (BCE on logits, summed) + Gaussian KL, Adam 1e-3, batch 128, the training loop
of the MLP reference (shared/peers/pytorch_vae.py train: shuffled batches, loss.item() per batch).
On the first --rows MNIST rows, --epochs times; prints one JSON line. Run by bench/cases/conv.ts."""
import argparse, json, os, sys, time

sys.path.insert(0, os.environ["LAB_PEERS"])
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from common import load  # noqa: E402


class ConvVAE(nn.Module):
    def __init__(self, k=2, h=400):
        super().__init__()
        self.e0, self.e1 = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1)
        self.fc1, self.mu, self.logvar = nn.Linear(1568, h), nn.Linear(h, k), nn.Linear(h, k)
        self.fc3, self.grid = nn.Linear(k, h), nn.Linear(h, 1568)
        self.d0, self.d1 = nn.Conv2d(32, 16, 3, padding=1), nn.Conv2d(16, 1, 3, padding=1)

    def forward(self, x):
        m = x.view(-1, 1, 28, 28)
        m = F.avg_pool2d(F.relu(self.e0(m)), 2)
        m = F.avg_pool2d(F.relu(self.e1(m)), 2)
        h = F.relu(self.fc1(m.flatten(1)))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        m = F.relu(self.grid(F.relu(self.fc3(z)))).view(-1, 32, 7, 7)
        m = F.relu(self.d0(F.interpolate(m, scale_factor=2, mode="nearest")))
        logits = self.d1(F.interpolate(m, scale_factor=2, mode="nearest"))
        return logits.flatten(1), mu, logvar


def train(model, X, epochs, bs=128, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    times, cpu = [], []
    for _ in range(epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(len(X))
        for i in range(0, len(X), bs):
            x = X[perm[i:i + bs]]
            logits, mu, logvar = model(x)
            bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            loss = bce + kld
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=60000)
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
Xtr, _, _, _ = load("mnist")
X = torch.from_numpy(Xtr[: a.rows])
times, cpu = train(ConvVAE(), X, a.epochs)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": len(X),
                  "samplesPerSec": [len(X) / t for t in times], "samplesPerCpuSec": [len(X) / c for c in cpu]}))
