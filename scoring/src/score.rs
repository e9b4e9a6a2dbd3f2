//! The score of a service: prior-smoothed rating mean × beta fulfillment, the fast
//! set's check against milking, the lower confidence bound, and the value order.

use crate::fixed::{isqrt, mul_ppm, ratio_ppm, Ppm, PPM, PPM128, PPM64};
use crate::params::Params;
use crate::stats::ServiceStats;

/// A service's score and its components at one epoch (all ppm unless noted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(scale_info::TypeInfo))]
pub struct Score {
    /// Epoch the score was computed for.
    pub epoch: u64,
    /// R = (a + K0·m0) / (b + K0): prior-smoothed weighted mean rating (slow set).
    pub rating_mean: Ppm,
    /// R′ = (a′ + K0·R) / (b′ + K0): recent mean, shrunk toward R.
    pub rating_mean_fast: Ppm,
    /// Φ = (s + A0) / (s + f + A0 + B0): beta posterior mean of fulfillment (slow).
    pub fulfillment: Ppm,
    /// Φ′ = (s′ + (A0+B0)·Φ) / (s′ + f′ + A0 + B0): recent fulfillment, shrunk toward Φ.
    pub fulfillment_fast: Ppm,
    /// Q = R·Φ.
    pub quality: Ppm,
    /// Q′ = R′·Φ′.
    pub quality_fast: Ppm,
    /// Q* = min(Q, Q′): what the bound is taken of.
    pub effective: Ppm,
    /// LCB = max(0, Q* − Z·√(Q*(1−Q*) / (n + n0 + 1))): the ranking score.
    pub lcb: Ppm,
    /// n = (b + s + f) / U: evidence in reference calls (slow set).
    pub n: u128,
    /// b: decayed rating mass (slow set, plancks).
    pub rating_mass: u128,
    /// s: decayed success mass (slow set, plancks).
    pub success_mass: u128,
    /// f: decayed failure mass (slow set, plancks).
    pub failure_mass: u128,
}

impl ServiceStats {
    /// The score at `epoch`, computed on a decayed copy (nothing is written). A
    /// default (empty) `ServiceStats` gives the prior's score.
    pub fn score(&self, params: &Params, epoch: u64) -> Score {
        let st = self.decayed_to(params, epoch);
        let (slow, fast) = st.with_epoch_ratings(params);
        let k0 = params.prior_rating_mass;
        let a0 = params.prior_success;
        let c0 = a0.saturating_add(params.prior_failure);

        let rating_mean = shrink(slow.rating_sum, slow.rating_mass, k0, params.prior_mean);
        let rating_mean_fast = shrink(fast.rating_sum, fast.rating_mass, k0, rating_mean);
        let fulfillment = ratio_ppm(
            slow.success.saturating_add(a0),
            slow.success.saturating_add(slow.failure).saturating_add(c0),
        );
        let fulfillment_fast = shrink(
            fast.success,
            fast.success.saturating_add(fast.failure),
            c0,
            fulfillment,
        );
        let quality = mul_ppm_floor(rating_mean, fulfillment);
        let quality_fast = mul_ppm_floor(rating_mean_fast, fulfillment_fast);
        let effective = quality.min(quality_fast);

        let unit = params.unit.max(1);
        let n = slow
            .rating_mass
            .saturating_add(slow.success)
            .saturating_add(slow.failure)
            .checked_div(unit)
            .unwrap_or(0);
        let n0 = k0.checked_div(unit).unwrap_or(0);
        Score {
            epoch: st.last_epoch.max(epoch),
            rating_mean,
            rating_mean_fast,
            fulfillment,
            fulfillment_fast,
            quality,
            quality_fast,
            effective,
            lcb: lower_bound(effective, n.saturating_add(n0), params.z),
            n,
            rating_mass: slow.rating_mass,
            success_mass: slow.success,
            failure_mass: slow.failure,
        }
    }
}

/// The mean of observations (sum `obs` over mass `mass`, `obs ≤ mass`) shrunk toward
/// `prior` (ppm) with weight `prior_mass`:
/// `floor(PPM · (obs·PPM + prior_mass·prior) / ((mass + prior_mass)·PPM))`.
/// Exact while the products fit in `u128` (masses up to ~3·10³²); beyond, it uses
/// `(obs + prior_mass·prior/PPM) / (mass + prior_mass)`, within 1 ppm of the exact
/// value. With no observations it returns `prior` exactly.
pub fn shrink(obs: u128, mass: u128, prior_mass: u128, prior: Ppm) -> Ppm {
    let ppm = u128::from(PPM);
    let prior = prior.min(PPM);
    let den = mass.saturating_add(prior_mass);
    let exact = obs
        .checked_mul(ppm)
        .and_then(|o| o.checked_add(prior_mass.checked_mul(u128::from(prior))?))
        .zip(den.checked_mul(ppm));
    match exact {
        Some((num, den)) => ratio_ppm(num, den),
        None => ratio_ppm(obs.saturating_add(mul_ppm(prior_mass, prior)), den),
    }
}

/// `floor(x·y / PPM)` for ppm values (result ≤ PPM when both are).
fn mul_ppm_floor(x: Ppm, y: Ppm) -> Ppm {
    let p = u64::from(x.min(PPM)).saturating_mul(u64::from(y.min(PPM))) / PPM64;
    u32::try_from(p).unwrap_or(PPM)
}

/// Lower confidence bound of a proportion `q` (ppm) seen over `n` units of evidence
/// (already including the prior's n0): `max(0, q − z·isqrt(q(PPM−q) / (n+1)) / PPM)`.
/// The variance term is in ppm², so its integer square root is in ppm.
pub fn lower_bound(q: Ppm, n: u128, z: Ppm) -> Ppm {
    let q = q.min(PPM);
    let var = u64::from(q).saturating_mul(u64::from(PPM.saturating_sub(q))); // ≤ 2.5·10¹¹
    let var = u128::from(var)
        .checked_div(n.saturating_add(1))
        .unwrap_or(0);
    let sd = isqrt(u64::try_from(var).unwrap_or(u64::MAX)); // ≤ 500_000
    let penalty = u64::from(z).saturating_mul(sd) / PPM64;
    let penalty = u32::try_from(penalty).unwrap_or(u32::MAX);
    q.saturating_sub(penalty)
}

/// The default "value" order key, larger is better: `LCB² · p_ref / (PPM · price)`,
/// i.e. quality elasticity 2 against price (a service twice as expensive must have a
/// √2 higher bound). `p_ref` is the reference price (e.g. `Params::unit`); a price of 0
/// counts as 1 planck; saturates at `u128::MAX` (only if `p_ref` > 3.4·10²⁶).
pub fn value(lcb: Ppm, price: u128, p_ref: u128) -> u128 {
    let l = u128::from(lcb.min(PPM));
    l.saturating_mul(l)
        .saturating_mul(p_ref)
        .checked_div(price.max(1))
        .unwrap_or(0)
        / PPM128
}
