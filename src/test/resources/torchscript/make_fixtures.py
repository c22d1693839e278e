"""Makes the TorchScript fixtures of TorchScriptNetTest and TorchScriptRunTest.

Run with Debian's python3-torch 1.13 (`apt-get install python3-torch`; `/usr/bin/python3 make_fixtures.py`),
older than the engine's libtorch 2.7.1 so that it reads them. CI does not run this: the .pt files are committed.

The contract (README, "Your own TorchScript models"): forward(x) on N x C x T x H x W returns (logits, feature).
"""
import json
import math

import torch
import torch.nn as nn

CLASSES = 3


class Net(nn.Module):
    def __init__(self, width, classes):
        super().__init__()
        self.conv1 = nn.Conv3d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm3d(width)
        self.conv2 = nn.Conv3d(width, 2 * width, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(2 * width)
        self.fc = nn.Linear(2 * width, classes)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = torch.relu(self.bn2(self.conv2(h)))
        feature = h.mean(dim=[2, 3, 4])
        return self.fc(feature), feature


def probe_input():
    # the same values TorchScriptNetTest builds: x[i] = sin(0.001 * i) over the flat index
    shape = (2, 3, 4, 32, 32)
    n = math.prod(shape)
    return torch.sin(0.001 * torch.arange(n, dtype=torch.float64)).float().reshape(shape)


def main():
    torch.manual_seed(7)
    teacher = Net(16, CLASSES)
    # a few batches through BatchNorm in training mode, so the running statistics are not 0 and 1
    with torch.no_grad():
        for _ in range(3):
            teacher(torch.randn(4, 3, 4, 32, 32))
    teacher.eval()
    torch.jit.script(teacher).save("teacher.pt")
    x = probe_input()
    with torch.no_grad():
        logits, feature = teacher(x)
    with open("teacher-expected.json", "w") as f:
        json.dump({"shape": list(x.shape), "logits": logits.flatten().tolist(),
                   "feature": feature.flatten().tolist()}, f)

    torch.manual_seed(11)
    student = Net(8, CLASSES)
    torch.jit.script(student).save("student.pt")
    torch.jit.trace(student, torch.zeros(2, 3, 4, 32, 32)).save("student-traced.pt")
    torch.jit.freeze(torch.jit.script(student).eval()).save("student-frozen.pt")
    print("torch", torch.__version__)


if __name__ == "__main__":
    main()
