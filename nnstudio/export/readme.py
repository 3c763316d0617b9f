"""The README.md of an exported PyTorch folder: how to run it and load the weights."""

from __future__ import annotations

from nnstudio import __version__
from nnstudio.export.plan import ExportPlan


def readme_text(plan: ExportPlan, has_weights: bool) -> str:
    title = plan.project.title or "Network"
    shape = ", ".join(["batch", *(str(d) for d in plan.input_shape)])
    weights_part = (
        "`weights.safetensors` holds the weights NN Studio trained. Load them into the model:\n\n"
        "```python\n"
        "from safetensors.torch import load_file\n\n"
        "from model import Network\n\n"
        "model = Network()\n"
        'model.load_state_dict(load_file("weights.safetensors"))\n'
        "model.eval()\n"
        f"# model(x) takes x of shape ({shape})\n"
        "```\n\n"
        "Training can also start from them: `python train.py --init weights.safetensors`.\n"
        if has_weights
        else "The project had no trained weights, so there is no `weights.safetensors`; "
        "`train.py` writes `output/trained.safetensors`, which loads the same way:\n\n"
        "```python\n"
        "from safetensors.torch import load_file\n\n"
        "from model import Network\n\n"
        "model = Network()\n"
        'model.load_state_dict(load_file("output/trained.safetensors"))\n'
        "```\n"
    )
    return f"""# {title}

Exported from NN Studio {__version__}. It needs only `torch`, `numpy` and `safetensors`:

    pip install torch numpy safetensors

| file | what it holds |
|---|---|
| `model.py` | the network as one `nn.Module` class, `Network` |
| `train.py` | training with the project's loss, optimizer, schedule, seed and batch order |
| `data.npz` | the exact train / validation / test splits ({plan.dataset.name}) |
{"| `weights.safetensors` | the trained weights |" + chr(10) if has_weights else ""}
## Train

    python train.py

Options: `--epochs N`, `--steps N` (stop early), `--device cpu|cuda|mps`, `--data FILE`
(another .npz with `x_train`, `y_train`, `x_val`, `y_val`, `x_test`, `y_test`),
`--init FILE` (start from saved weights), `--out FOLDER` (default `output/`, where
`trained.safetensors` and `log.csv`, the loss of every step, are written).

On one process, with the same seed and on the CPU, the per-step losses are the ones NN
Studio's trainer reports for this project (to about 1e-5; GPU kernels may differ slightly).

## Several processes: torchrun

    torchrun --standalone --nproc_per_node=2 train.py

Each process takes its share of every batch of the same seeded order, so the global batch
stays the project's batch size. Processes join with NCCL on GPUs and gloo on the CPU;
BatchNorm is synchronized on GPUs; losses and scores are summed over all processes, and
only the first process prints and writes files.

On several machines, start the same command on each, naming the machines and one meeting
point (host:port of the first machine):

    torchrun --nnodes=2 --nproc_per_node=4 --rdzv-id=job1 --rdzv-backend=c10d \\
        --rdzv-endpoint=first-host:29500 train.py

Under Slurm, one task per machine:

    srun --nodes=2 --ntasks-per-node=1 bash -c 'torchrun --nnodes=$SLURM_NNODES \\
        --nproc_per_node=4 --rdzv-id=$SLURM_JOB_ID --rdzv-backend=c10d \\
        --rdzv-endpoint=$(scontrol show hostnames $SLURM_JOB_NODELIST | head -n1):29500 \\
        train.py'

## Use the model

{weights_part}"""
