#!/usr/bin/env python3
"""How hard are Tiny Shakespeare's validation and test splits, measured by a model that is not jrnn's?

LanguageModels --task shakespeare splits input.txt by position: the first 90% for training, the next 5% for
validation, the last 5% for test. This script fits a character n-gram model (Witten-Bell interpolation of orders
0..N, counts from the training split only) and prints its nats per character on the two held-out splits, each
scored with the text before it as context. A gap between the two here, with no neural network involved, is a
property of the data, not of the LSTM. Standard library only; 25-40 s.

    python3 tools/results/shakespeare_splits.py [PATH/TO/input.txt] [--orders 2,4,6]
"""
import collections
import math
import sys


def main(argv):
    path, orders = '../shared/data/tinyshakespeare/input.txt', [2, 4, 6]
    args = list(argv)
    if '--orders' in args:
        i = args.index('--orders')
        orders = [int(x) for x in args[i + 1].split(',')]
        del args[i:i + 2]
    if args:
        path = args[0]
    text = open(path, encoding='utf-8').read()
    cut, cut2 = round(len(text) * 0.9), round(len(text) * 0.95)     # the same cuts as LanguageModels
    train = text[:cut]
    top = max(orders)
    vocab = len(set(text))
    pair = [collections.Counter() for _ in range(top + 1)]     # (context, next char) -> count, per order
    total = [collections.Counter() for _ in range(top + 1)]    # context -> count
    kinds = [collections.defaultdict(set) for _ in range(top + 1)]  # context -> the chars seen after it
    for i, ch in enumerate(train):
        for k in range(min(top, i) + 1):
            ctx = train[i - k:i]
            pair[k][ctx, ch] += 1
            total[k][ctx] += 1
            kinds[k][ctx].add(ch)

    def prob(history, ch, order):
        p = 1.0 / vocab
        for k in range(min(order, len(history)) + 1):
            ctx = history[len(history) - k:]
            seen = total[k].get(ctx, 0)
            if seen == 0:
                break
            weight = seen / (seen + len(kinds[k][ctx]))          # Witten-Bell
            p = weight * pair[k].get((ctx, ch), 0) / seen + (1 - weight) * p
        return p

    print(f'{path}: {len(text):,} chars; train {cut:,}, validation {cut2 - cut:,}, test {len(text) - cut2:,}')
    for order in orders:
        row = []
        for lo, hi in ((cut, cut2), (cut2, len(text))):
            nll = sum(-math.log(prob(text[max(0, i - order):i], text[i], order)) for i in range(lo, hi))
            row.append(nll / (hi - lo))
        print(f'order {order}: validation {row[0]:.4f} nats/char, test {row[1]:.4f}, test - validation {row[1] - row[0]:+.4f}')


if __name__ == '__main__':
    main(sys.argv[1:])
