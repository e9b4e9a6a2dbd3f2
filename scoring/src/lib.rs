//! # gb-scoring: the reputation arithmetic of Global Brain
//!
//! Integer fixed point (ppm, `PPM` = 1.0), O(1) per event, lazy decay, no
//! dependencies, `no_std`. The reputation contract stores a [`ServiceStats`] per
//! service and calls these functions; the market simulation calls the same ones, so
//! what is simulated is what runs on chain.
//!
//! ## The score (formula, parameters and reasons: `reputation/README.md`)
//! * Events: [`ServiceStats::add_channel_settlement`] (the contract: success mass of
//!   one channel's claim, at most `settle_cap` over the channel's life, see
//!   [`channel_success`]), [`ServiceStats::add_settlement`] (aggregate form: s +=
//!   min(paid, channels · settle_cap)), [`ServiceStats::add_failure`] (f += min(locked, failure_cap)); the contract's
//!   failure rule [`rules::failure`] weighs it by how long the channel locked its
//!   funds ([`failure_mass`]: `· min(1, locked_for / failure_lock_ref)`) and caps fresh
//!   clients' failures per epoch, [`ServiceStats::add_rating`] (a += w·x, b += w; each epoch's ratings below and at or
//!   above the mean each count at most the per-epoch cap, pro rata, none refused),
//!   with `w` from [`rating_weight`] (linear in paid amount × rater [`maturity`]) and
//!   `x` from [`stars_to_ppm`].
//! * Every sum lives in a slow and a fast set and decays by `2^(−Δepochs/H)`
//!   ([`decay_factor`], [`pow_ppm`]) when next touched ([`ServiceStats::decayed_to`]).
//! * [`ServiceStats::score`]: R = (a + K0·m0)/(b + K0), Φ = (s + A0)/(s + f + A0 + B0),
//!   Q = R·Φ; the fast set's R′, Φ′ are shrunk toward R, Φ, Q′ = R′·Φ′; Q* = min(Q, Q′);
//!   LCB = Q* − Z·√(Q*(1−Q*)/(n + n0 + 1)) ([`lower_bound`]).
//! * [`value`] = LCB² · p_ref / price: the default price-aware order.
//!
//! ## Features
//! * `std` (default): nothing but `std`.
//! * `ink`: SCALE codec, `TypeInfo` and `StorageLayout` derives on [`Params`],
//!   [`ParamError`], [`ServiceStats`], [`Accumulators`] and [`Score`], so a contract
//!   can store and return them.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod decay;
pub mod fixed;
pub mod params;
pub mod rating;
pub mod rules;
pub mod score;
pub mod stats;

pub use decay::{decay_factor, decay_over, epoch_of, EPOCH_MS};
pub use fixed::{isqrt, mul_ppm, mul_ppm_round, pow_ppm, ratio_ppm, Ppm, HALF, PPM};
pub use params::{
    ParamError, Params, DEFAULT_FAILURE_LOCK_REF_MS, DEFAULT_UNIT, MAX_AMOUNT,
    MAX_FAILURE_LOCK_REF_MS,
};
pub use rating::{
    establishment, maturity, rated_amount, rating_weight, stars_to_ppm, Spend, MAX_STARS, MIN_STARS,
};
pub use rules::{failure_mass, RateError, RatedChannel, Rating, RatingBook, Refusal, ServiceCheck};
pub use score::{lower_bound, shrink, value, Score};
pub use stats::{channel_success, Accumulators, EpochRatings, ServiceStats};

#[cfg(test)]
mod tests;
