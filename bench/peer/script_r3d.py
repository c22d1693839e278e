"""Writes a TorchScript module of one of the registry's R3D networks (bench/peer/torch_kd.py's
mirror of ResNet3d), scripted in training mode, for the TorchScript-vs-DJL step benchmark."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
import torch_kd

name, classes, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.manual_seed(0)
net = torch_kd.ResNet3d(name, classes).train()
torch.jit.script(net).save(out)
print(f"{out}: {name}, {classes} classes, {torch_kd.parameter_count(net)} parameters, torch {torch.__version__}")
