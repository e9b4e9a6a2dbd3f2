//! Per-service accumulators with lazy decay: what the contract stores per service.

use crate::decay::decay_over;
use crate::fixed::{mul_ppm, Ppm, PPM};
use crate::params::Params;

/// Success credit of a channel's claim: `min(claimed_before + paid, settle_cap) −
/// min(claimed_before, settle_cap)`. Summed over the claims of one channel it telescopes
/// to `min(total claimed, settle_cap)`: a channel is worth at most `settle_cap` of
/// success over its life, whether it is claimed once, in many increasing vouchers or
/// repeated in a batch.
pub fn channel_success(params: &Params, claimed_before: u128, paid: u128) -> u128 {
    let cap = params.settle_cap;
    claimed_before
        .saturating_add(paid)
        .min(cap)
        .saturating_sub(claimed_before.min(cap))
}

/// One set of decayed sums (all in plancks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(
    all(feature = "ink", feature = "std"),
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Accumulators {
    /// a = Σ w·x / PPM: rating weight times rating value (x in ppm). Always ≤ `rating_mass`.
    pub rating_sum: u128,
    /// b = Σ w: rating weight (mass).
    pub rating_mass: u128,
    /// s: success mass (capped paid amounts of settled channels).
    pub success: u128,
    /// f: failure mass (capped locked amounts of expired, unclaimed channels).
    pub failure: u128,
}

impl Accumulators {
    /// Every sum multiplied by `factor` (ppm, floor). Floor is monotone, so
    /// `rating_sum ≤ rating_mass` survives decay.
    pub fn scaled(&self, factor: Ppm) -> Self {
        Self {
            rating_sum: mul_ppm(self.rating_sum, factor),
            rating_mass: mul_ppm(self.rating_mass, factor),
            success: mul_ppm(self.success, factor),
            failure: mul_ppm(self.failure, factor),
        }
    }

    fn add_rating(&mut self, weight: u128, rating: Ppm) {
        self.rating_sum = self
            .rating_sum
            .saturating_add(mul_ppm(weight, rating.min(PPM)));
        self.rating_mass = self.rating_mass.saturating_add(weight);
    }
}

/// Everything the score of one service needs, O(1) in size: a slow and a fast set of
/// accumulators (half-lives `Params::half_life_slow` / `half_life_fast`), the epoch
/// they were last decayed to and the rating mass gained in that epoch.
///
/// Writers call the `add_*` methods with the current epoch; each first decays the sums
/// to that epoch (`decayed_to`). All sums saturate at `u128::MAX` (unreachable with
/// parameters within `Params::validate` bounds and real token amounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(
    all(feature = "ink", feature = "std"),
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct ServiceStats {
    /// Slow (long memory) sums.
    pub slow: Accumulators,
    /// Fast (short memory) sums: catch a service that turns bad.
    pub fast: Accumulators,
    /// Epoch the sums are decayed to.
    pub last_epoch: u64,
    /// Rating mass added during `last_epoch` (for `Params::epoch_rating_cap`).
    pub epoch_rating_mass: u128,
}

impl ServiceStats {
    /// A copy decayed to `epoch`: both sets multiplied by `D^(epoch − last_epoch)`, the
    /// per-epoch rating mass reset. An `epoch` at or before `last_epoch` changes
    /// nothing (time never runs backwards on chain; the simulation must not either).
    pub fn decayed_to(&self, params: &Params, epoch: u64) -> Self {
        if epoch <= self.last_epoch {
            return *self;
        }
        let elapsed = epoch.saturating_sub(self.last_epoch);
        Self {
            slow: self.slow.scaled(decay_over(params.half_life_slow, elapsed)),
            fast: self.fast.scaled(decay_over(params.half_life_fast, elapsed)),
            last_epoch: epoch,
            epoch_rating_mass: 0,
        }
    }

    /// Records paid fulfillment: `channels` channels (0 counts as 1) together paid
    /// `paid`; adds `min(paid, channels · settle_cap)` to the success mass of both sets
    /// and returns that mass.
    pub fn add_settlement(
        &mut self,
        params: &Params,
        epoch: u64,
        paid: u128,
        channels: u32,
    ) -> u128 {
        *self = self.decayed_to(params, epoch);
        let cap = params
            .settle_cap
            .saturating_mul(u128::from(channels.max(1)));
        let mass = paid.min(cap);
        self.slow.success = self.slow.success.saturating_add(mass);
        self.fast.success = self.fast.success.saturating_add(mass);
        mass
    }

    /// Records paid fulfillment of one channel that had claimed `claimed_before` and
    /// now claimed `paid` more: adds [`channel_success`] to the success mass of both
    /// sets and returns it. Over a channel's whole life the credit sums to
    /// `min(claimed, settle_cap)`, however its claims are split (security review M1).
    pub fn add_channel_settlement(
        &mut self,
        params: &Params,
        epoch: u64,
        claimed_before: u128,
        paid: u128,
    ) -> u128 {
        *self = self.decayed_to(params, epoch);
        let mass = channel_success(params, claimed_before, paid);
        self.slow.success = self.slow.success.saturating_add(mass);
        self.fast.success = self.fast.success.saturating_add(mass);
        mass
    }

    /// Records a failure (a channel that expired with `locked` funds and nothing
    /// claimed): adds `min(locked, failure_cap)` to the failure mass of both sets and
    /// returns it. De-duplication (once per client, service and epoch) is the caller's.
    pub fn add_failure(&mut self, params: &Params, epoch: u64, locked: u128) -> u128 {
        *self = self.decayed_to(params, epoch);
        let mass = locked.min(params.failure_cap);
        self.slow.failure = self.slow.failure.saturating_add(mass);
        self.fast.failure = self.fast.failure.saturating_add(mass);
        mass
    }

    /// Rating mass the service may still gain in `epoch` (`epoch_rating_cap` minus
    /// what it gained in that epoch already).
    pub fn rating_room(&self, params: &Params, epoch: u64) -> u128 {
        let used = if epoch > self.last_epoch {
            0
        } else {
            self.epoch_rating_mass
        };
        params.epoch_rating_cap.saturating_sub(used)
    }

    /// Records a rating of value `rating` (ppm, clamped to `PPM`; see
    /// `stars_to_ppm`) with weight `weight` (see `rating_weight`), clipped to the
    /// epoch's remaining room. Returns the weight actually added (0 if the epoch's
    /// rating mass is used up).
    pub fn add_rating(&mut self, params: &Params, epoch: u64, weight: u128, rating: Ppm) -> u128 {
        *self = self.decayed_to(params, epoch);
        let w = weight.min(self.rating_room(params, epoch));
        self.slow.add_rating(w, rating);
        self.fast.add_rating(w, rating);
        self.epoch_rating_mass = self.epoch_rating_mass.saturating_add(w);
        w
    }
}
