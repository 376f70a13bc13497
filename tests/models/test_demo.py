"""The demo trains briefly and writes its two pictures."""
from minitheano.models import demo


def test_demo_writes_pictures(tmp_path, capsys):
    demo.main(["--iters", "60", "--hidden", "16", "--offline", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "60 steps in" in out and "wrote" in out
    assert (tmp_path / "char_rnn_loss.png").stat().st_size > 1000
    assert (tmp_path / "char_rnn_step.png").stat().st_size > 1000
