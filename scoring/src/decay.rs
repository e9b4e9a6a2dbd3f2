//! Time: epochs from millisecond timestamps, and exponential decay by half-life.
//!
//! Accumulators are multiplied by `D^(epochs elapsed)` when they are next touched
//! (lazy decay, O(1) per event), with `D = 2^(−1/H)` for a half-life of `H` epochs.

use crate::fixed::{pow_ppm, Ppm, HALF, PPM};

/// Length of one epoch: one day in milliseconds.
pub const EPOCH_MS: u64 = 86_400_000;

/// The epoch (day number since the Unix epoch) of a millisecond timestamp.
pub fn epoch_of(now_ms: u64) -> u64 {
    now_ms / EPOCH_MS
}

/// Per-epoch decay factor `D ≈ 2^(−1/half_life)` in ppm: the largest `D` with
/// `pow_ppm(D, half_life) ≤ HALF`, found by binary search (20 steps, O(1)).
///
/// So after `half_life` epochs a decayed quantity is at most half of what it was, and
/// within rounding of exactly half (D has 1 ppm resolution, so `D^H` is within
/// about `H/2` ppm of 500_000: 499_987 for H = 30, 499_865 for H = 365). `half_life = 0` gives 0 (forget at once).
/// Examples: 30 → 977_159, 3 → 793_700, 1 → 500_000.
pub fn decay_factor(half_life: u32) -> Ppm {
    if half_life == 0 {
        return 0;
    }
    // Invariant: pow(lo) ≤ HALF < pow(hi).
    let (mut lo, mut hi) = (0u32, PPM);
    while hi.saturating_sub(lo) > 1 {
        let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
        if pow_ppm(mid, half_life) <= HALF {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The factor by which a quantity decays over `elapsed` epochs with the given
/// half-life: `pow_ppm(decay_factor(half_life), elapsed)`. `elapsed` beyond `u32::MAX`
/// epochs is treated as `u32::MAX` (the factor is 0 long before).
pub fn decay_over(half_life: u32, elapsed: u64) -> Ppm {
    let elapsed = u32::try_from(elapsed).unwrap_or(u32::MAX);
    if elapsed == 0 {
        return PPM;
    }
    pow_ppm(decay_factor(half_life), elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_are_days() {
        assert_eq!(epoch_of(0), 0);
        assert_eq!(epoch_of(EPOCH_MS - 1), 0);
        assert_eq!(epoch_of(EPOCH_MS), 1);
        assert_eq!(epoch_of(u64::MAX), u64::MAX / EPOCH_MS);
    }

    #[test]
    fn decay_factors_match_two_to_minus_one_over_h() {
        // 2^(-1/30) = 0.9771599685, 2^(-1/3) = 0.7937005260
        assert_eq!(decay_factor(30), 977_159);
        assert_eq!(decay_factor(3), 793_700);
        assert_eq!(decay_factor(1), 500_000);
        assert_eq!(decay_factor(0), 0);
    }

    #[test]
    fn decay_halves_at_the_half_life() {
        for h in 1u32..=365 {
            // D has 1 ppm resolution, so D^h is within ~h/2 ppm of one half.
            let at_h = decay_over(h, u64::from(h));
            assert!(at_h <= 500_000 && 500_000 - at_h <= h, "h={h}: {at_h}");
            let at_2h = decay_over(h, 2 * u64::from(h));
            assert!(250_000u32.abs_diff(at_2h) <= h, "h={h}: {at_2h}");
        }
    }

    #[test]
    fn decay_over_edge_cases() {
        assert_eq!(decay_over(30, 0), PPM);
        assert_eq!(decay_over(0, 0), PPM);
        assert_eq!(decay_over(0, 1), 0);
        assert_eq!(decay_over(30, u64::MAX), 0);
        assert_eq!(decay_over(3, 100), 0);
    }
}
