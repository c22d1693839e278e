#!/usr/bin/env python3
"""The project's vanilla-KD training step as a plain PyTorch program, for `scripts/bench peer`.

It mirrors, layer by layer, what the Java side runs (org.sakd.model.ResNet3d and ResidualUnit, the
clip sampling of org.sakd.data.VideoDecoder, the loss of KdDistiller + SakdLoss.vanilla, the SGD of
org.sakd.train.SgdOptimizer, the LrSchedule), on the same training list, and measures

  (a) the whole loop: a DataLoader whose worker processes decode a new random clip of every video
      every epoch (PyAV), teacher forward (frozen, eval mode) and student step every batch;
  (b) the compute step alone: the same step on clips decoded once beforehand.

The first epoch of each is a warm-up and is not counted. Results are printed as key=value lines on
stdout (PeerBenchmark reads them); progress goes to stderr. `--params-only` prints the parameter
counts and shapes of the two networks and exits (no decoding, no training).

Exit status 3 means that torch or PyAV cannot be imported (the reason is printed as missing=...).
"""

import argparse
import math
import random
import re
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the benchmark then prints the project's side only
    print(f"missing=torch cannot be imported by {sys.executable}: {e}")
    sys.exit(3)


# --- the networks: org.sakd.model.ModelRegistry's R3D presets ------------------------------------

# name -> (units per stage, stem width, stem kernel (T, H, W), stem max-pool)
R3D = {
    "r3d10": ([1, 1, 1, 1], 64, (3, 7, 7), False),
    "r3d18": ([2, 2, 2, 2], 64, (3, 7, 7), False),
    "r3d34": ([3, 4, 6, 3], 64, (3, 7, 7), False),
    "r3d-tiny": ([1, 1, 1, 1], 16, (3, 7, 7), True),
    "r3d-micro": ([1, 1, 1, 1], 8, (3, 5, 5), True),
}


def r3d_spec(name):
    if name in R3D:
        return R3D[name]
    m = re.fullmatch(r"(r3d(?:10|18|34))-w([0-9]*\.?[0-9]+)", name)
    if not m:
        raise SystemExit(f"torch_kd.py mirrors the R3D presets only ({', '.join(R3D)}, r3dNN-wX), not {name}")
    blocks, stem, kernel, pool = R3D[m.group(1)]
    # ResNet3d.Spec.widened: Math.round (half up), at least one channel
    return blocks, max(1, math.floor(stem * float(m.group(2)) + 0.5)), kernel, pool


def conv3d(cin, cout, kernel, stride, padding):
    # ConvLayers.conv3d: no bias, a BatchNorm always follows
    return nn.Conv3d(cin, cout, kernel, stride=stride, padding=padding, bias=False)


def batch_norm(c):
    # DJL's BatchNorm defaults: epsilon 1e-5, momentum 0.9 in MXNet's sense = 0.1 in PyTorch's
    return nn.BatchNorm3d(c, eps=1e-5, momentum=0.1)


class ResidualUnit(nn.Module):
    """ResidualUnit.basic3d with kt = kt2 = 3: relu(branch(x) + shortcut(x)), option-B projection."""

    def __init__(self, cin, width, stride):
        super().__init__()
        s = (stride, stride, stride)
        self.branch = nn.Sequential(
            conv3d(cin, width, (3, 3, 3), s, (1, 1, 1)),
            batch_norm(width),
            nn.ReLU(),
            conv3d(width, width, (3, 3, 3), (1, 1, 1), (1, 1, 1)),
            batch_norm(width),
        )
        identity = cin == width and stride == 1
        self.shortcut = None if identity else nn.Sequential(conv3d(cin, width, (1, 1, 1), s, (0, 0, 0)), batch_norm(width))

    def forward(self, x):
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.branch(x) + skip)


class ResNet3d(nn.Module):
    """ResNet3d.build + PooledClassifier: forward returns (logits, pooled feature)."""

    def __init__(self, name, classes):
        super().__init__()
        blocks, stem, k, pool = r3d_spec(name)
        layers = [
            conv3d(3, stem, k, (1, 2, 2), (k[0] // 2, k[1] // 2, k[2] // 2)),
            batch_norm(stem),
            nn.ReLU(),
        ]
        if pool:
            layers.append(nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        channels = stem
        for stage in range(4):
            width = stem << stage
            for unit in range(blocks[stage]):
                stride = 2 if stage > 0 and unit == 0 else 1
                layers.append(ResidualUnit(channels, width, stride))
                channels = width
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Linear(channels, classes)
        self.feature_dim = channels
        # PooledClassifier: Kaiming-normal fan-in (std sqrt(2 / fan_in)) on every weight, zero
        # biases; BatchNorm gamma 1, beta 0 (PyTorch's defaults too)
        for m in self.modules():
            if isinstance(m, (nn.Conv3d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        y = self.backbone(x)
        # GlobalAveragePool: the trailing axes flattened, then one mean
        feature = y.reshape(y.shape[0], y.shape[1], -1).mean(2)
        return self.head(feature), feature


def parameter_shapes(model):
    return ",".join("x".join(str(d) for d in p.shape) for p in model.parameters() if p.requires_grad)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --- the loss: KdDistiller + SakdLoss.vanilla ------------------------------------------------------


def vanilla_kd_loss(s, t, y, tau, ce_weight, kd_weight):
    """mean(w_ce·CE + w_kd·τ²·KL(σ(t/τ) ‖ σ(s/τ))) over the batch."""
    ce = F.cross_entropy(s, y, reduction="none")
    log_pt = F.log_softmax(t / tau, dim=1)
    log_ps = F.log_softmax(s / tau, dim=1)
    kl = (log_pt.exp() * (log_pt - log_ps)).sum(1) * (tau * tau)
    return (ce_weight * ce + kd_weight * kl).mean()


def lr_at(a, epoch):
    """LrSchedule.lr at a fractional epoch: linear warm-up, then cosine, step or constant."""
    if a.warmup_epochs > 0 and epoch < a.warmup_epochs:
        return a.lr * (epoch + 1e-3) / a.warmup_epochs
    if a.lr_schedule == "cosine":
        span = max(1e-9, a.epochs - a.warmup_epochs)
        p = min(1.0, (epoch - a.warmup_epochs) / span)
        return a.lr * 0.5 * (1 + math.cos(math.pi * p))
    if a.lr_schedule == "step":
        return a.lr * a.step_gamma ** sum(1 for s in a.step_epochs if epoch >= s)
    return a.lr


# --- the clips: VideoDecoder.decode with train = true ----------------------------------------------


class Clips(torch.utils.data.Dataset):
    """One random training clip per video and call: T frames every τ-th from a uniformly random
    start, the short side resized (swscale, bilinear), a random crop, (v/255 − mean)/std, C×T×H×W."""

    def __init__(self, samples, a):
        self.samples = samples
        self.a = a
        self.mean = torch.tensor(a.mean, dtype=torch.float32).view(3, 1, 1, 1)
        self.std = torch.tensor(a.std, dtype=torch.float32).view(3, 1, 1, 1)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        path, label = self.samples[i]
        return self.decode(path, random), label

    def decode(self, path, rng):
        import av

        a = self.a
        with av.open(path) as container:
            stream = container.streams.video[0]
            stream.thread_count = 1  # one codec thread per file, as the Java decoder
            total = stream.frames
            if total <= 0:
                total = sum(1 for _ in container.decode(stream))
                container.seek(0)
            span = a.frames * a.stride
            if span <= total:
                start = rng.randrange(total - span + 1)
                idx = [start + i * a.stride for i in range(a.frames)]
            else:  # a short video loops
                start = rng.randrange(total)
                idx = [(start + i * a.stride) % total for i in range(a.frames)]
            w, h = stream.codec_context.width, stream.codec_context.height
            short = min(w, h)
            sw = a.short_side if w <= h else round(w * a.short_side / short)
            sh = a.short_side if h < w else round(h * a.short_side / short)
            x0 = rng.randrange(sw - a.crop + 1)
            y0 = rng.randrange(sh - a.crop + 1)
            wanted = set(idx)
            last = max(idx)
            frames = {}
            for n, frame in enumerate(container.decode(stream)):
                if n in wanted:
                    rgb = frame.to_ndarray(width=sw, height=sh, format="rgb24")
                    frames[n] = torch.from_numpy(rgb[y0 : y0 + a.crop, x0 : x0 + a.crop].copy())
                if n >= last:
                    break
        if len(frames) < len(wanted):
            raise RuntimeError(f"{path}: decoded {len(frames)} of the {len(wanted)} frames the clip needs")
        clip = torch.stack([frames[n] for n in idx])  # T×H×W×3 bytes
        return (clip.permute(3, 0, 1, 2).float().div_(255) - self.mean) / self.std


# --- the measurements --------------------------------------------------------------------------------


def step(teacher, student, opt, x, y, a):
    with torch.no_grad():
        t_logits, _ = teacher(x)
    s_logits, _ = student(x)
    loss = vanilla_kd_loss(s_logits, t_logits, y, a.temperature, a.ce_weight, a.kd_weight)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def set_lr(opt, a, epoch):
    for g in opt.param_groups:
        g["lr"] = lr_at(a, epoch)


def networks(a):
    torch.manual_seed(a.seed)
    teacher = ResNet3d(a.teacher, a.classes).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = ResNet3d(a.student, a.classes).train()
    opt = torch.optim.SGD(
        student.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay, nesterov=a.nesterov
    )
    return teacher, student, opt


def whole_loop(samples, a):
    """(a): clips/s per epoch, decoding in DataLoader workers every epoch."""
    teacher, student, opt = networks(a)
    loader = torch.utils.data.DataLoader(
        Clips(samples, a),
        batch_size=a.batch,
        shuffle=True,
        num_workers=a.workers,
        persistent_workers=a.workers > 0,
        generator=torch.Generator().manual_seed(a.seed),
    )
    rates, losses = [], []
    batches = len(loader)
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        done = 0
        for i, (x, y) in enumerate(loader):
            set_lr(opt, a, epoch + i / batches)
            losses.append(step(teacher, student, opt, x, y, a))
            done += len(y)
        rates.append(done / (time.perf_counter() - t0))
        print(f"torch_kd: whole loop epoch {epoch + 1}/{a.epochs}: {rates[-1]:.1f} clips/s", file=sys.stderr)
    return rates, losses


def compute_only(samples, a):
    """(b): clips/s per epoch of the same step on clips decoded once beforehand."""
    rng = random.Random(a.seed)
    ds = Clips(samples, a)
    clips = [ds.decode(path, rng) for path, _ in samples]
    labels = torch.tensor([label for _, label in samples])
    teacher, student, opt = networks(a)
    g = torch.Generator().manual_seed(a.seed)
    rates, losses = [], []
    batches = (len(samples) + a.batch - 1) // a.batch
    for epoch in range(a.epochs):
        order = torch.randperm(len(samples), generator=g).tolist()
        t0 = time.perf_counter()
        for i in range(batches):
            b = order[i * a.batch : (i + 1) * a.batch]
            set_lr(opt, a, epoch + i / batches)
            losses.append(step(teacher, student, opt, torch.stack([clips[j] for j in b]), labels[b], a))
        rates.append(len(samples) / (time.perf_counter() - t0))
        print(f"torch_kd: compute step epoch {epoch + 1}/{a.epochs}: {rates[-1]:.1f} clips/s", file=sys.stderr)
    return rates, losses


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", help="training list: one 'path<TAB>label' line per clip (0-based labels)")
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--teacher", required=True)
    p.add_argument("--student", required=True)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--stride", type=int, default=2)
    p.add_argument("--short-side", type=int, default=64)
    p.add_argument("--crop", type=int, default=56)
    p.add_argument("--mean", type=float, nargs=3, default=[0.45] * 3)
    p.add_argument("--std", type=float, nargs=3, default=[0.225] * 3)
    p.add_argument("--batch", type=int, default=6)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--lr-schedule", choices=["cosine", "step", "constant"], default="cosine")
    p.add_argument("--warmup-epochs", type=int, default=0)
    p.add_argument("--step-epochs", type=int, nargs="*", default=[6, 8])
    p.add_argument("--step-gamma", type=float, default=0.1)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--ce-weight", type=float, default=0.1)
    p.add_argument("--kd-weight", type=float, default=0.9)
    p.add_argument("--workers", type=int, default=1, help="DataLoader worker processes (the project's data.decoders)")
    p.add_argument("--epochs", type=int, default=4, help="epochs of each measurement, the first one not counted")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--params-only", action="store_true")
    a = p.parse_args()

    torch.set_num_threads(1)  # one compute thread, as train.compute-threads = 1
    torch.set_num_interop_threads(1)
    version = torch.__version__
    if torch.__file__.startswith("/usr/lib/python3/"):  # Debian's build says 1.13.0a0 for 1.13.1
        import subprocess

        deb = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-torch"], capture_output=True, text=True)
        if deb.returncode == 0:
            version += f" (Debian python3-torch {deb.stdout.strip()})"
    print(f"torch_version={version}")
    print(f"torch_path={torch.__file__}")
    print(f"python={sys.executable} {sys.version.split()[0]}")
    print(f"threads={torch.get_num_threads()}")
    for role, name in (("teacher", a.teacher), ("student", a.student)):
        m = ResNet3d(name, a.classes)
        print(f"{role}_params={parameter_count(m)}")
        print(f"{role}_shapes={parameter_shapes(m)}")
    if a.params_only:
        return
    try:
        import av
    except ImportError as e:
        print(f"missing=PyAV cannot be imported by {sys.executable}: {e} (Debian: apt-get install python3-av)")
        sys.exit(3)
    print(f"decoder=PyAV {av.__version__}, libavcodec {'.'.join(map(str, av.library_versions['libavcodec']))}")
    if a.epochs < 2:
        raise SystemExit("--epochs must be >= 2 (the first one is a warm-up)")
    samples = []
    with open(a.samples, encoding="utf-8") as f:
        for line in f:
            path, label = line.rstrip("\n").split("\t")
            samples.append((path, int(label)))
    print(f"clips={len(samples)}")
    print(f"workers={a.workers}")
    for key, measure in (("whole_loop", whole_loop), ("compute", compute_only)):
        rates, losses = measure(samples, a)
        counted = rates[1:]
        # clips over seconds of the counted epochs, as the Java side sums them
        print(f"{key}_clips_per_s={len(counted) / sum(1 / r for r in counted):.3f}")
        print(f"{key}_epochs={','.join(f'{r:.3f}' for r in counted)}")
        print(f"{key}_loss_first_last={losses[0]:.4f},{losses[-1]:.4f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
