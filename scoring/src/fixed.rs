//! Fixed-point helpers: parts per million (ppm, `PPM` = 1.0) on `u32`/`u64`/`u128`.
//!
//! Every function here is total: no panics, no overflow, no division by zero. Where an
//! exact result cannot fit, the documented saturating or scaled fallback is used.

/// One million: 1.0 in ppm.
pub const PPM: u32 = 1_000_000;
/// 0.5 in ppm.
pub const HALF: u32 = 500_000;

/// [`PPM`] as `u64`.
pub(crate) const PPM64: u64 = 1_000_000;
/// [`PPM`] as `u128`.
pub(crate) const PPM128: u128 = 1_000_000;

/// Parts per million (0 ..= [`PPM`] for probabilities and scores).
pub type Ppm = u32;

/// `x · y / PPM`, rounded to nearest (ties up), saturating at `u32::MAX`.
///
/// Used by [`pow_ppm`], where round-to-nearest keeps repeated squaring unbiased.
pub fn mul_ppm_round(x: u32, y: u32) -> u32 {
    // (2^32 − 1)² + 500_000 < 2^64: the saturating ops never saturate.
    let p = u64::from(x)
        .saturating_mul(u64::from(y))
        .saturating_add(u64::from(HALF));
    u32::try_from(p / PPM64).unwrap_or(u32::MAX)
}

/// `base^exp` in ppm by square-and-multiply (at most 32 rounds, O(1)).
///
/// `base` is clamped to [`PPM`] (this is for decay factors ≤ 1). Each product is
/// rounded to nearest; `pow_ppm(b, 0) = PPM`, `pow_ppm(b, 1) = min(b, PPM)`.
/// The result is non-increasing in `exp` and non-decreasing in `base`.
pub fn pow_ppm(base: Ppm, exp: u32) -> Ppm {
    let mut base = base.min(PPM);
    let mut exp = exp;
    let mut acc = PPM;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul_ppm_round(acc, base);
            if acc == 0 {
                break;
            }
        }
        exp >>= 1;
        if exp > 0 {
            base = mul_ppm_round(base, base);
        }
    }
    acc
}

/// `floor(v · f / PPM)` for a `u128` quantity `v` and a ppm factor `f`, without
/// overflow: `v = q·PPM + r` gives `q·f + floor(r·f / PPM)` (exact). Saturates at
/// `u128::MAX` only when `f > PPM` and the result does not fit.
pub fn mul_ppm(v: u128, f: Ppm) -> u128 {
    let f = u128::from(f);
    let q = v / PPM128;
    let r = v % PPM128;
    q.saturating_mul(f)
        .saturating_add(r.saturating_mul(f) / PPM128)
}

/// `min(PPM, floor(PPM · num / den))`; 0 when `den == 0`. Below `PPM` whenever
/// `num < den`.
///
/// When `num · PPM` would overflow `u128` (num > 3.4·10³²), `num` and `den` are both
/// shifted right until it fits; the relative error is then below 2⁻⁸⁸.
pub fn ratio_ppm(num: u128, den: u128) -> Ppm {
    if den == 0 {
        return 0;
    }
    if num >= den {
        return PPM;
    }
    let (mut num, mut den) = (num, den);
    while num > u128::MAX / PPM128 {
        num >>= 1;
        den >>= 1;
    }
    // den > 0: it was > num before the shifts and stays ≥ num. The shifts may make
    // num == den; the true quotient is below PPM (num < den), so cap at PPM − 1.
    let q = num.saturating_mul(PPM128).checked_div(den).unwrap_or(0);
    u32::try_from(q).unwrap_or(PPM).min(PPM.saturating_sub(1))
}

/// Integer square root (floor).
pub fn isqrt(v: u64) -> u64 {
    v.isqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_ppm_round_exact_cases() {
        assert_eq!(mul_ppm_round(500_000, 500_000), 250_000);
        assert_eq!(mul_ppm_round(PPM, 123_456), 123_456);
        // 999_999² = 999_998_000_001 → 999_998.000001 → 999_998
        assert_eq!(mul_ppm_round(999_999, 999_999), 999_998);
        // 1_500 · 333 = 499_500 → 0.4995 → 0; 1_500 · 334 = 501_000 → 0.501 → 1
        assert_eq!(mul_ppm_round(1_500, 333), 0);
        assert_eq!(mul_ppm_round(1_500, 334), 1);
        // ties round up: 1_000 · 500 = 500_000 → 0.5 → 1
        assert_eq!(mul_ppm_round(1_000, 500), 1);
        assert_eq!(mul_ppm_round(u32::MAX, u32::MAX), u32::MAX);
    }

    #[test]
    fn pow_ppm_exact_cases() {
        assert_eq!(pow_ppm(123_456, 0), PPM);
        assert_eq!(pow_ppm(0, 0), PPM);
        assert_eq!(pow_ppm(123_456, 1), 123_456);
        assert_eq!(pow_ppm(500_000, 2), 250_000);
        assert_eq!(pow_ppm(500_000, 10), 977); // 2^-10 = 976.5625 ppm → 977 (rounded)
        assert_eq!(pow_ppm(900_000, 3), 729_000);
        assert_eq!(pow_ppm(PPM, u32::MAX), PPM);
        assert_eq!(pow_ppm(0, 5), 0);
        assert_eq!(pow_ppm(999_999, u32::MAX), 0);
        // base above 1.0 is clamped
        assert_eq!(pow_ppm(2_000_000, 7), PPM);
    }

    #[test]
    fn mul_ppm_exact_cases() {
        assert_eq!(mul_ppm(1_000, 500_000), 500);
        assert_eq!(mul_ppm(999, 500_000), 499); // floor(499.5)
        assert_eq!(mul_ppm(u128::MAX, PPM), u128::MAX);
        assert_eq!(mul_ppm(u128::MAX, 0), 0);
        assert_eq!(mul_ppm(u128::MAX, 2 * PPM), u128::MAX);
        assert_eq!(mul_ppm(3_000_000_000_000, 977_160), 2_931_480_000_000);
    }

    #[test]
    fn ratio_ppm_exact_cases() {
        assert_eq!(ratio_ppm(1, 3), 333_333);
        assert_eq!(ratio_ppm(2, 3), 666_666);
        assert_eq!(ratio_ppm(5, 5), PPM);
        assert_eq!(ratio_ppm(7, 5), PPM);
        assert_eq!(ratio_ppm(0, 5), 0);
        assert_eq!(ratio_ppm(5, 0), 0);
        assert_eq!(ratio_ppm(u128::MAX / 2, u128::MAX), 499_999);
        assert_eq!(ratio_ppm(u128::MAX - 1, u128::MAX), 999_999);
    }

    #[test]
    fn isqrt_exact_cases() {
        assert_eq!(isqrt(0), 0);
        assert_eq!(isqrt(15), 3);
        assert_eq!(isqrt(16), 4);
        assert_eq!(isqrt(250_000_000_000), 500_000);
        assert_eq!(isqrt(u64::MAX), 4_294_967_295);
    }
}
