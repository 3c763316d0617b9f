"""The fixed parts of an exported train.py; `train_code` fills in the project's own parts.

Markers `@NAME@` are replaced by generated code. The loop mirrors
`nnstudio.training.trainer.Trainer` step for step (batch order, penalties, clipping,
schedule, early stopping), so one process reproduces the app's per-step losses; with
torchrun each process takes its share of every batch.
"""

from __future__ import annotations

HEAD = '''
DATA_HELP = """\\
No data at {path}.
This script reads the train, validation and test splits from an .npz file with the
arrays x_train, y_train, x_val, y_val, x_test and y_test: one sample per row, inputs of
shape (n, @INPUT_SHAPE_TEXT@) and @TARGET_TEXT@.
NN Studio writes this file as data.npz when it exports the project:
    python -m nnstudio export PROJECT --to pytorch --out FOLDER
or make one with numpy.savez(...) and pass it with --data FILE.
"""
'''

MAIN = '''
def load_data(path: Path) -> dict[str, np.ndarray]:
    """The six split arrays, checked against the network's input shape."""
    if not path.is_file():
        raise SystemExit(DATA_HELP.format(path=path))
    with np.load(path, allow_pickle=False) as data:
        missing = [key for key in SPLITS if key not in data.files]
        if missing:
            lacking = ", ".join(missing)
            raise SystemExit(f"{path} lacks {lacking}.\\n\\n" + DATA_HELP.format(path=path))
        arrays = {key: data[key] for key in SPLITS}
    for key in ("x_train", "x_val", "x_test"):
        if len(arrays[key]) and tuple(arrays[key].shape[1:]) != INPUT_SHAPE:
            raise SystemExit(
                f"{path}: {key} holds samples of shape {tuple(arrays[key].shape[1:])}, "
                f"but the network takes {INPUT_SHAPE}."
            )
    return arrays


def to_tensors(
    x: np.ndarray, y: np.ndarray, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids stay whole numbers; everything else trains in float32, as in NN Studio."""
    integer = np.issubdtype(x.dtype, np.integer)
    xt = torch.as_tensor(x, dtype=torch.int64 if integer else torch.float32)
    yt = torch.as_tensor(y)
    @TARGETS@
    return xt.to(device), yt.to(device)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def start_processes(device_name: str) -> tuple[int, int, torch.device]:
    """(rank, world size, device). torchrun sets WORLD_SIZE and LOCAL_RANK for each process:
    NCCL joins them on CUDA, gloo on the CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, pick_device(device_name)
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available() and device_name != "cpu":
        torch.cuda.set_device(local)
        dist.init_process_group("nccl")
        device = torch.device("cuda", local)
    else:
        dist.init_process_group("gloo")
        device = torch.device("cpu")
    return dist.get_rank(), world, device


def reduce_sum(values: list[float], world: int, device: torch.device) -> list[float]:
    """Sum numbers over all processes (every process gets the totals)."""
    if world == 1:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loss_fn: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    rank: int,
    world: int,
) -> tuple[float, float | None]:
    """(loss, accuracy) on a split; each process scores its share and the totals are summed."""
    if len(x) == 0:
        return float("nan"), None
    was_training = model.training
    model.eval()
    try:
        if world == 1:
            out = model(x)
            return float(loss_fn(out, y)), accuracy(out, y, len(y))
        xs, ys = x[rank::world], y[rank::world]
        out = model(xs) if len(xs) else None
        loss_sum = float(loss_fn(out, ys)) * len(xs) if out is not None else 0.0
        hits = count_correct(out, ys) if out is not None else 0.0
        loss_sum, hits, count = reduce_sum([loss_sum, hits or 0.0, float(len(xs))], world, x.device)
        return loss_sum / count, None if DECISION == "value" else hits / count
    finally:
        model.train(was_training)


def accuracy(out: torch.Tensor, y: torch.Tensor, count: int) -> float | None:
    hits = count_correct(out, y)
    return None if hits is None else hits / count


def batch_shares(
    step: int,
    order: torch.Tensor | None,
    n_train: int,
    batch: int,
    steps_per_epoch: int,
) -> torch.Tensor | None:
    """The training rows of update `step`: a slice of this epoch's shuffled order, or None
    for the whole split (full batch), exactly as NN Studio takes them."""
    if batch == n_train:
        return None
    position = step % steps_per_epoch
    return order[position * batch : (position + 1) * batch] if order is not None else None


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def train(args: argparse.Namespace) -> int:
    rank, world, device = start_processes(args.device)
    data = load_data(args.data)
    x_train, y_train = to_tensors(data["x_train"], data["y_train"], device)
    x_val, y_val = to_tensors(data["x_val"], data["y_val"], device)
    x_test, y_test = to_tensors(data["x_test"], data["y_test"], device)
    n_train = len(x_train)
    if n_train == 0:
        raise SystemExit("The training split is empty.")
    batch = BATCH_SIZE if BATCH_SIZE > 0 and n_train > BATCH_SIZE else n_train
    steps_per_epoch = math.ceil(n_train / batch)
    total_steps = steps_per_epoch * (args.epochs or EPOCHS)
    last_step = min(args.steps, total_steps) if args.steps else total_steps

    model = build_model()
    if args.init is not None:
        model.load_state_dict(load_file(args.init))
    model.to(device)
    penalized = [p for p in model.parameters() if p.dim() > 1]
    loss_fn = make_loss()
    optimizer = make_optimizer(model)
    network: nn.Module = model
    if world > 1:
        model = synchronize_batchnorm(model, device)
        ids = [device.index] if device.type == "cuda" else None
        network = nn.parallel.DistributedDataParallel(model, device_ids=ids)
        torch.manual_seed(SEED + rank)  # each process draws its own dropout masks
    @SET_FIRST_RATE@
    stopper = EarlyStopping(PATIENCE, RESTORE_BEST) if PATIENCE > 0 and len(x_val) else None
    shuffle = torch.Generator().manual_seed(SEED)
    order: torch.Tensor | None = None
    losses: list[torch.Tensor] = []
    rates: list[float] = []
    if rank == 0:
        print(
            f"Training on {world} process{'es' if world > 1 else ''} ({device}): {n_train} "
            f"training samples, batch {batch}, {last_step} of {total_steps} steps."
        )
    report_every = max(steps_per_epoch * max((args.epochs or EPOCHS) // 20, 1), 1)
    stopped_early = False
    network.train()
    step = 0
    while step < last_step:
        if batch < n_train and (step % steps_per_epoch == 0 or order is None):
            order = torch.randperm(n_train, generator=shuffle).to(device)
        rows = batch_shares(step, order, n_train, batch, steps_per_epoch)
        if world > 1:
            everyone = torch.arange(n_train, device=device) if rows is None else rows
            batch_size = len(everyone)
            rows = everyone[rank::world]
            share = len(rows) * world / batch_size
            if len(rows) == 0:  # fewer samples than processes: join in with weight 0
                rows, share = everyone[:1], 0.0
        xb, yb = (x_train, y_train) if rows is None else (x_train[rows], y_train[rows])
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(network(xb), yb)
        total = loss if world == 1 else loss * share
        if L1 > 0:
            total = total + L1 * sum(p.abs().sum() for p in penalized)
        if L2 > 0:
            total = total + L2 * sum(p.pow(2).sum() for p in penalized)
        total.backward()
        if CLIP_NORM > 0:
            nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
        @SET_RATE@
        optimizer.step()
        step += 1
        batch_loss = loss.detach()
        if world > 1:
            batch_loss = batch_loss * share / world
            dist.all_reduce(batch_loss)
        losses.append(batch_loss)
        rates.append(float(optimizer.param_groups[0]["lr"]))
        if step % steps_per_epoch and step != last_step:
            continue
        recent = torch.stack(losses[-steps_per_epoch:])
        if not bool(torch.isfinite(recent).all()):
            if rank == 0:
                print(
                    f"The loss stopped being a number by step {step}: lower the learning "
                    "rate or add gradient clipping."
                )
            return 3
        epoch = step // steps_per_epoch
        if stopper is not None and step % steps_per_epoch == 0:
            val_loss, _accuracy = evaluate(model, loss_fn, x_val, y_val, rank, world)
            stopped_early = stopper.update(epoch, val_loss, model)
        if rank == 0 and (step % report_every == 0 or step == last_step or stopped_early):
            print(f"epoch {epoch:>5}  step {step:>7}  loss {float(recent.mean()):.4f}", flush=True)
        if stopped_early:
            break
    if stopper is not None:
        epoch = step // steps_per_epoch
        restored = stopper.restore_best and stopper.restore(model, epoch)
        if rank == 0 and (message := stopper.message(epoch, stopped_early, restored)):
            print(message)
    for name, (x, y) in {
        "train": (x_train, y_train),
        "val": (x_val, y_val),
        "test": (x_test, y_test),
    }.items():
        loss_value, hit_rate = evaluate(model, loss_fn, x, y, rank, world)
        if rank == 0:
            print(f"{name:>5}: loss {fmt(loss_value)}  accuracy {fmt(hit_rate)}")
    if rank == 0:
        write_results(args.out, model, losses, rates)
    if world > 1:
        dist.barrier()  # let the first process finish writing before the group ends
        dist.destroy_process_group()
    return 0


def write_results(
    folder: Path, model: nn.Module, losses: list[torch.Tensor], rates: list[float]
) -> None:
    """The trained weights and the per-step log (written by the first process only)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "trained.safetensors"))
    values = torch.stack(losses).cpu().tolist() if losses else []
    with open(folder / "log.csv", "w", encoding="utf-8") as log:
        log.write("step,loss,learning_rate\\n")
        for step, (loss, rate) in enumerate(zip(values, rates, strict=True), start=1):
            log.write(f"{step},{loss!r},{rate!r}\\n")
    print(f"Wrote {folder / 'trained.safetensors'} and {folder / 'log.csv'}.")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=here / "data.npz", help="the splits (.npz)")
    parser.add_argument("--epochs", type=int, help=f"passes over the data (default {EPOCHS})")
    parser.add_argument("--steps", type=int, help="stop after this many updates")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--init", type=Path, help="start from these weights (.safetensors)")
    parser.add_argument(
        "--out", type=Path, default=here / "output", help="where trained weights and the log go"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return train(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
'''

SYNC_PLAIN = '''
def synchronize_batchnorm(model: nn.Module, device: torch.device) -> nn.Module:
    """This network has no BatchNorm, so there are no batch statistics to share."""
    return model
'''

SYNC_BATCHNORM = '''
class SumOverProcesses(torch.autograd.Function):
    """Sum a tensor over all processes; gradients flow back summed the same way."""

    @staticmethod
    def forward(ctx: Any, tensor: torch.Tensor) -> torch.Tensor:
        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        total = grad.clone()
        dist.all_reduce(total)
        return total


class CpuSyncBatchNorm(nn.BatchNorm1d):
    """BatchNorm whose batch statistics span every process, for DDP on the CPU, where
    torch's SyncBatchNorm does not run. Same parameters and buffers as BatchNorm."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        pass  # flat features and images alike

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        axes = [0, *range(2, x.dim())]
        channels = x.shape[1]
        count = torch.full((1,), x.numel() / channels, dtype=x.dtype, device=x.device)
        totals = SumOverProcesses.apply(torch.cat((x.sum(axes), (x * x).sum(axes), count)))
        n = totals[-1]
        mean = totals[:channels] / n
        var = totals[channels : 2 * channels] / n - mean * mean
        with torch.no_grad():
            self.num_batches_tracked += 1
            unbiased = var * n / (n - 1).clamp(min=1)
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(unbiased, self.momentum)
        view = [1, channels] + [1] * (x.dim() - 2)
        y = (x - mean.view(view)) / torch.sqrt(var.view(view) + self.eps)
        if self.affine:
            y = y * self.weight.view(view) + self.bias.view(view)
        return y


def synchronize_batchnorm(model: nn.Module, device: torch.device) -> nn.Module:
    """Make every BatchNorm use the statistics of the whole global batch."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                synced = CpuSyncBatchNorm(
                    child.num_features, child.eps, child.momentum, child.affine
                )
                if child.affine:
                    synced.weight, synced.bias = child.weight, child.bias
                synced.running_mean = child.running_mean
                synced.running_var = child.running_var
                synced.num_batches_tracked = child.num_batches_tracked
                setattr(parent, name, synced)
    return model
'''
