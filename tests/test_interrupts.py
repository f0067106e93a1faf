"""Ctrl-C during a long run becomes a flag checked at safe points; a second Ctrl-C raises at once."""

from __future__ import annotations

import os
import signal
import time

import pytest

from mediaframe.interrupts import deferred_interrupt


def send_sigint() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # let the handler run


def test_interrupts_first_sigint_sets_the_flag_second_raises() -> None:
    before = signal.getsignal(signal.SIGINT)
    with deferred_interrupt() as interrupted:
        assert not interrupted.is_set()
        send_sigint()
        assert interrupted.is_set()
        with pytest.raises(KeyboardInterrupt):
            send_sigint()
    assert signal.getsignal(signal.SIGINT) is before, "the previous handler is back after the block"
