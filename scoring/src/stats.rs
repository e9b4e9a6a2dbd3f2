//! Per-service accumulators with lazy decay: what the contract stores per service.

use crate::decay::decay_over;
use crate::fixed::{mul_ppm, ratio_ppm, Ppm, PPM};
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

    /// Element-wise saturating sum.
    pub fn plus(&self, other: &Accumulators) -> Self {
        Self {
            rating_sum: self.rating_sum.saturating_add(other.rating_sum),
            rating_mass: self.rating_mass.saturating_add(other.rating_mass),
            success: self.success.saturating_add(other.success),
            failure: self.failure.saturating_add(other.failure),
        }
    }
}

/// The ratings of one epoch in one direction (below, or at or above, the service's
/// mean): raw sums, before the epoch's cap scales them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(
    all(feature = "ink", feature = "std"),
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct EpochRatings {
    /// Σ w·x / PPM of the epoch's ratings in this direction.
    pub sum: u128,
    /// Σ w of the epoch's ratings in this direction.
    pub mass: u128,
}

impl EpochRatings {
    /// The share (ppm) every rating of this bucket keeps: `min(1, cap / mass)`.
    pub fn share(&self, cap: u128) -> Ppm {
        if self.mass <= cap {
            PPM
        } else {
            ratio_ppm(cap, self.mass)
        }
    }

    /// The bucket scaled to at most `cap` of mass, pro rata: what it adds to the sums.
    pub fn capped(&self, cap: u128) -> Accumulators {
        let share = self.share(cap);
        Accumulators {
            rating_sum: mul_ppm(self.sum, share),
            rating_mass: mul_ppm(self.mass, share).min(cap),
            success: 0,
            failure: 0,
        }
    }
}

/// Everything the score of one service needs, O(1) in size: a slow and a fast set of
/// accumulators (half-lives `Params::half_life_slow` / `half_life_fast`), the epoch
/// they were last decayed to and the ratings of that epoch, kept apart until the
/// epoch ends.
///
/// **Per-epoch rating cap without censorship (security review M3).** Every rating is
/// accepted. The ratings of the current epoch are kept in two buckets: below the
/// service's mean (as of the start of the epoch), and at or above it. Each bucket
/// counts at most `Params::epoch_rating_cap` of mass; when it holds more, all its
/// ratings are scaled down pro rata (each keeps the share `cap / mass`). So the cap
/// still bounds how fast the mean can move each day, but the first raters of a day
/// cannot exclude later ones, and ratings in one direction (e.g. a self-dealer's 5★)
/// never dilute ratings in the other (an honest 1★). The score reads the sums plus the
/// scaled buckets; when the epoch ends the scaled buckets are folded into the sums.
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
    /// Slow (long memory) sums, without the current epoch's ratings.
    pub slow: Accumulators,
    /// Fast (short memory) sums: catch a service that turns bad (without the current
    /// epoch's ratings).
    pub fast: Accumulators,
    /// Epoch the sums are decayed to.
    pub last_epoch: u64,
    /// Ratings of `last_epoch` below the service's mean.
    pub epoch_down: EpochRatings,
    /// Ratings of `last_epoch` at or above the service's mean.
    pub epoch_up: EpochRatings,
    /// Failure mass added during `last_epoch` by clients at the maturity floor
    /// (bounded by `Params::epoch_failure_cap`; security review M2).
    pub epoch_fresh_failure: u128,
}

impl ServiceStats {
    /// A copy decayed to `epoch`: the scaled ratings of `last_epoch` folded into both
    /// sets, then both multiplied by `D^(epoch − last_epoch)`. An `epoch` at or before
    /// `last_epoch` changes nothing (time never runs backwards on chain; the
    /// simulation must not either).
    pub fn decayed_to(&self, params: &Params, epoch: u64) -> Self {
        if epoch <= self.last_epoch {
            return *self;
        }
        let (slow, fast) = self.with_epoch_ratings(params);
        let elapsed = epoch.saturating_sub(self.last_epoch);
        Self {
            slow: slow.scaled(decay_over(params.half_life_slow, elapsed)),
            fast: fast.scaled(decay_over(params.half_life_fast, elapsed)),
            last_epoch: epoch,
            epoch_down: EpochRatings::default(),
            epoch_up: EpochRatings::default(),
            epoch_fresh_failure: 0,
        }
    }

    /// The slow and fast sums with the current epoch's ratings added (each bucket
    /// scaled to at most `epoch_rating_cap`): what the score reads.
    pub fn with_epoch_ratings(&self, params: &Params) -> (Accumulators, Accumulators) {
        let cap = params.epoch_rating_cap;
        let (down, up) = (self.epoch_down.capped(cap), self.epoch_up.capped(cap));
        (
            self.slow.plus(&down).plus(&up),
            self.fast.plus(&down).plus(&up),
        )
    }

    /// Records a failure reported for a client of maturity `maturity` (ppm, floor
    /// included): `min(locked, failure_cap)`, like [`Self::add_failure`] (weighing it
    /// by the maturity too cost honest accuracy in the market simulation: most honest
    /// clients are at the floor there). The failures of clients at
    /// the maturity floor (no rated spend above it: fresh accounts) count at most
    /// `epoch_failure_cap` together per epoch; clients with spend above the floor are
    /// not capped. So fresh accounts with unused channels (griefing, security review
    /// M2) take at most `epoch_failure_cap` a day from a service, however many there
    /// are; to count more, each griefer must first pay established services (more
    /// than `min_maturity · spend_ref`, 15 U by default). The contract's rule
    /// (`rules::failure`) passes the lock-weighted mass (`rules::failure_mass`), so
    /// those failures also need capital locked for `failure_lock_ref`. Returns the
    /// mass added.
    pub fn add_failure_of(
        &mut self,
        params: &Params,
        epoch: u64,
        locked: u128,
        maturity: Ppm,
    ) -> u128 {
        *self = self.decayed_to(params, epoch);
        let mut mass = locked.min(params.failure_cap);
        let fresh = maturity <= params.min_maturity;
        if fresh {
            let room = params
                .epoch_failure_cap
                .saturating_sub(self.epoch_fresh_failure);
            mass = mass.min(room);
        }
        self.slow.failure = self.slow.failure.saturating_add(mass);
        self.fast.failure = self.fast.failure.saturating_add(mass);
        if fresh {
            self.epoch_fresh_failure = self.epoch_fresh_failure.saturating_add(mass);
        }
        mass
    }

    /// Raw rating mass of the current epoch (both directions, before scaling).
    pub fn epoch_rating_mass(&self) -> u128 {
        self.epoch_down.mass.saturating_add(self.epoch_up.mass)
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

    /// Records a rating of value `rating` (ppm, clamped to `PPM`; see `stars_to_ppm`)
    /// with weight `weight` (see `rating_weight`) in the current epoch's bucket for its
    /// direction: below the service's mean rating as of the start of the epoch
    /// (`shrink` of the folded slow sums toward `prior_mean`), or at or above it.
    /// Always accepted; returns the share (ppm) the bucket's ratings keep right now
    /// (`min(1, epoch_rating_cap / bucket mass)`; later ratings in the same direction
    /// this epoch may lower it further).
    pub fn add_rating(&mut self, params: &Params, epoch: u64, weight: u128, rating: Ppm) -> Ppm {
        *self = self.decayed_to(params, epoch);
        let rating = rating.min(PPM);
        let mean = crate::score::shrink(
            self.slow.rating_sum,
            self.slow.rating_mass,
            params.prior_rating_mass,
            params.prior_mean,
        );
        let bucket = if rating < mean {
            &mut self.epoch_down
        } else {
            &mut self.epoch_up
        };
        bucket.sum = bucket.sum.saturating_add(mul_ppm(weight, rating));
        bucket.mass = bucket.mass.saturating_add(weight);
        bucket.share(params.epoch_rating_cap)
    }
}
