from __future__ import annotations

from control_plane.rollouts.judge import Window, judge, window


def w(requests: int, errors: int = 0, latency: float = 0.1) -> Window:
    return Window(requests=requests, errors=errors, latency_seconds_sum=latency * requests)


LIMITS = {"max_error_rate": 0.05, "max_latency_ratio": 2.0, "min_requests": 20}


def test_errors_fail_at_once_even_before_the_interval_ends() -> None:
    verdict = judge(w(40, errors=10), w(40), interval_over=False, **LIMITS)
    assert verdict.passed is False and "error rate 25.0%" in verdict.reason


def test_slow_canary_fails() -> None:
    verdict = judge(w(40, latency=0.5), w(40, latency=0.1), interval_over=True, **LIMITS)
    assert verdict.passed is False and "5.00x" in verdict.reason


def test_healthy_canary_passes_only_after_the_interval() -> None:
    assert judge(w(40), w(40), interval_over=False, **LIMITS).passed is None
    assert judge(w(40, errors=1), w(40), interval_over=True, **LIMITS).passed is True


def test_too_little_traffic_waits() -> None:
    verdict = judge(w(5, errors=5), w(40), interval_over=True, **LIMITS)
    assert verdict.passed is None and "5/20" in verdict.reason


def test_window_subtracts_the_snapshot() -> None:
    now = {"requests": 50, "errors": 3, "latency_seconds_sum": 6.0}
    start = {"requests": 20, "errors": 1, "latency_seconds_sum": 2.0}
    assert window(now, start) == Window(30, 2, 4.0)
