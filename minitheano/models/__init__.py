"""Models from the seed documents, written with minitheano: peephole LSTM (seed 000), char-RNN
(003), binary-addition RNN and minimal LSTM (002), SuperSpike (004); optimisers; data."""
